package pump

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

func TestServerCodecSendsPayloadInPlace(t *testing.T) {
	c := newServerCodec()
	payload := bytes.Repeat([]byte{5}, splitPayload)
	r := pullResp(41, 42, payload)
	data, err := c.Marshal(r)
	require.NoError(t, err)
	want, err := proto.Marshal(r)
	require.NoError(t, err)
	require.Equal(t, want, data.Materialize(), "the same bytes as the proto codec")
	require.Len(t, data, 3)
	require.Same(t, &payload[0], &data[1].ReadOnlyData()[0], "the payload is not copied")

	// A small payload, and other messages, go through the proto codec.
	small := pullResp(41, 42, []byte("small"))
	data, err = c.Marshal(small)
	require.NoError(t, err)
	want, err = proto.Marshal(small)
	require.NoError(t, err)
	require.Equal(t, want, data.Materialize())

	req := &binlogpb.WriteBinlogReq{ClusterID: 7, Payload: []byte("x")}
	data, err = c.Marshal(req)
	require.NoError(t, err)
	want, err = proto.Marshal(req)
	require.NoError(t, err)
	require.Equal(t, want, data.Materialize())
	var back binlogpb.WriteBinlogReq
	require.NoError(t, c.Unmarshal(data, &back))
	require.True(t, proto.Equal(req, &back))
}

// A drainer with compressor = gzip: the split response compresses like any.
func TestPullGzip(t *testing.T) {
	c := newCluster(t)
	s := startPump(t, c.config(t, dataDir(t), "pump-1"))
	cli := dial(t, s.Addr())
	start := nextTS(t, s)
	value := string(bytes.Repeat([]byte("v"), 2*splitPayload))
	require.NoError(t, write(t, cli, s.ClusterID(), prewrite(start, value)))
	commit := nextTS(t, s)
	require.NoError(t, write(t, cli, s.ClusterID(), binlogpb.NewBinlog(binlogpb.BinlogType_Commit, start, commit)))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := cli.PullBinlogs(ctx, &binlogpb.PullBinlogReq{ClusterID: s.ClusterID(), StartFrom: &binlogpb.Pos{}},
		grpc.UseCompressor(gzip.Name))
	require.NoError(t, err)
	resp, err := stream.Recv()
	require.NoError(t, err)
	require.Equal(t, commit, resp.GetEntity().GetMeta().GetCommitTs())
	b := new(binlogpb.Binlog)
	require.NoError(t, proto.Unmarshal(resp.GetEntity().GetPayload(), b))
	require.Equal(t, value, string(b.GetPrewriteValue()))
}
