package pump

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// TestPooledBuffersNotAliasedByPayloads proves that the pool needs no
// zeroing: a payload the pump keeps (the recent-records cache, the pull
// merge, the stream send) never lives in a pooled buffer. Binlogs written
// through gRPC are pulled back after every buffer of every size class was
// taken from the pool, scribbled over and put back, and after more traffic
// recycled the request buffers: each payload is still exactly what was
// sent.
func TestPooledBuffersNotAliasedByPayloads(t *testing.T) {
	c := newCluster(t)
	s := startPump(t, c.config(t, dataDir(t), "pump-1"))
	cli := dial(t, s.Addr())
	type txn struct {
		start, commit int64
		value         []byte
	}
	var txns []txn
	for i := range 20 {
		value := bytes.Repeat([]byte(fmt.Sprintf("txn-%02d;", i)), 100<<i%(64<<10)+1)
		start := nextTS(t, s)
		require.NoError(t, write(t, cli, s.ClusterID(), prewrite(start, string(value))))
		commit := nextTS(t, s)
		require.NoError(t, write(t, cli, s.ClusterID(), binlogpb.NewBinlog(binlogpb.BinlogType_Commit, start, commit)))
		txns = append(txns, txn{start, commit, value})
	}
	garbage := bytes.Repeat([]byte{0xAA}, 1<<20)
	scribble := func() {
		for shift := minPoolShift; shift <= 20; shift++ {
			var held []*[]byte
			for range 4 {
				b := grpcBuffers.Get(1 << shift)
				copy(*b, garbage)
				held = append(held, b)
			}
			for _, b := range held {
				grpcBuffers.Put(b)
			}
		}
	}
	scribble()
	for range 20 { // more requests through the pooled receive buffers
		require.NoError(t, write(t, cli, s.ClusterID(), prewrite(nextTS(t, s), string(bytes.Repeat([]byte{0x55}, 4096)))))
	}
	scribble()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stream, err := cli.PullBinlogs(ctx, &binlogpb.PullBinlogReq{ClusterID: s.ClusterID(), StartFrom: &binlogpb.Pos{}})
	require.NoError(t, err)
	for i := 0; i < len(txns); {
		resp, err := stream.Recv()
		require.NoError(t, err)
		scribble() // while the stream sends the next ones
		b := new(binlogpb.Binlog)
		require.NoError(t, proto.Unmarshal(resp.GetEntity().GetPayload(), b))
		if b.IsFake() {
			continue
		}
		require.Equal(t, txns[i].commit, b.GetCommitTs())
		require.True(t, bytes.Equal(txns[i].value, b.GetPrewriteValue()), "payload of txn %d changed", i)
		i++
	}
	for _, x := range txns { // the recent-records cache, through the index
		b, err := s.store.ReadBinlog(x.start)
		require.NoError(t, err)
		require.True(t, bytes.Equal(x.value, b.GetPrewriteValue()))
	}
}
