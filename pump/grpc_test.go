package pump

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/pump/storage"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

func prewrite(start int64, value string) *binlogpb.Binlog {
	b := binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, start, 0)
	b.PrewriteKey = []byte("k")
	b.PrewriteValue = []byte(value)
	return b
}

func TestWriteAndPullInOrder(t *testing.T) {
	c := newCluster(t)
	s := startPump(t, c.config(t, dataDir(t), "pump-1"))
	cli := dial(t, s.Addr())

	type txn struct{ start, commit int64 }
	var txns []txn
	for i := 0; i < 5; i++ {
		start := nextTS(t, s)
		require.NoError(t, write(t, cli, s.ClusterID(), prewrite(start, "v"+string(rune('a'+i)))))
		txns = append(txns, txn{start, nextTS(t, s)})
	}
	// Commit in reverse order: the stream is still in commit-ts order.
	for i := len(txns) - 1; i >= 0; i-- {
		c := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, txns[i].start, txns[i].commit)
		require.NoError(t, write(t, cli, s.ClusterID(), c))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := cli.PullBinlogs(ctx, &binlogpb.PullBinlogReq{ClusterID: s.ClusterID(), StartFrom: &binlogpb.Pos{}})
	require.NoError(t, err)
	for i, want := range txns {
		resp, err := stream.Recv()
		require.NoError(t, err)
		e := resp.GetEntity()
		require.Equal(t, want.commit, e.GetPos().GetOffset())
		require.Equal(t, want.start, e.GetMeta().GetStartTs())
		require.Equal(t, want.commit, e.GetMeta().GetCommitTs())
		b := new(binlogpb.Binlog)
		require.NoError(t, proto.Unmarshal(e.GetPayload(), b))
		require.Equal(t, binlogpb.BinlogType_Commit, b.GetTp())
		require.Equal(t, "v"+string(rune('a'+i)), string(b.GetPrewriteValue()), "prewrite value merged")
	}
	cancel()

	// Pulling from the third commit ts on returns the rest only.
	stream, err = cli.PullBinlogs(context.Background(), &binlogpb.PullBinlogReq{
		ClusterID: s.ClusterID(), StartFrom: &binlogpb.Pos{Offset: txns[2].commit}})
	require.NoError(t, err)
	resp, err := stream.Recv()
	require.NoError(t, err)
	require.Equal(t, txns[3].commit, resp.GetEntity().GetMeta().GetCommitTs())

	// Closing the pump ends the stream.
	require.NoError(t, s.Close())
	for {
		if _, err := stream.Recv(); err != nil {
			require.True(t, err == io.EOF || status.Code(err) == codes.Unavailable, err)
			break
		}
	}
	require.Equal(t, registry.Paused, c.pumpState(t, "pump-1"))
}

func TestWriteRejections(t *testing.T) {
	c := newCluster(t)
	cfg := c.config(t, dataDir(t), "pump-1")
	cfg.MaxMessageSize = 4096
	s := startPump(t, cfg)
	cli := dial(t, s.Addr())
	ctx := context.Background()
	loss := func() float64 { return metricValue(t, s.metrics.lossBinlog) }

	t.Run("cluster id mismatch", func(t *testing.T) {
		err := write(t, cli, s.ClusterID()+1, prewrite(nextTS(t, s), "x"))
		require.Equal(t, codes.FailedPrecondition, status.Code(err))
		require.Contains(t, err.Error(), "cluster ID are mismatch")
		stream, err := cli.PullBinlogs(ctx, &binlogpb.PullBinlogReq{ClusterID: 7, StartFrom: &binlogpb.Pos{}})
		require.NoError(t, err)
		_, err = stream.Recv()
		require.Contains(t, err.Error(), "cluster ID are mismatch")
	})

	t.Run("probe is a no-op", func(t *testing.T) {
		before := s.store.MaxCommitTS()
		resp, err := cli.WriteBinlog(ctx, &binlogpb.WriteBinlogReq{ClusterID: s.ClusterID()})
		require.NoError(t, err)
		require.Empty(t, resp.GetErrmsg())
		_, err = s.store.ReadBinlog(0)
		require.ErrorIs(t, err, storage.ErrNotFound)
		require.Equal(t, before, s.store.MaxCommitTS())
	})

	t.Run("payload that is not a binlog", func(t *testing.T) {
		before := loss()
		_, err := cli.WriteBinlog(ctx, &binlogpb.WriteBinlogReq{ClusterID: s.ClusterID(), Payload: []byte{0xff, 0xff, 0xff}})
		require.Equal(t, codes.InvalidArgument, status.Code(err))
		require.Contains(t, err.Error(), "invalid binlog payload")
		require.Equal(t, before+1, loss())
		_, err = s.store.ReadBinlog(0)
		require.ErrorIs(t, err, storage.ErrNotFound)
	})

	t.Run("oversize message", func(t *testing.T) {
		big := prewrite(nextTS(t, s), string(make([]byte, 8192)))
		err := write(t, cli, s.ClusterID(), big)
		require.Equal(t, codes.ResourceExhausted, status.Code(err))
		_, err = s.store.ReadBinlog(big.GetStartTs())
		require.ErrorIs(t, err, storage.ErrNotFound)
	})

	t.Run("prewrite rejected unless online", func(t *testing.T) {
		s.node.SetState(registry.Paused)
		defer s.node.SetState(registry.Online)
		before := loss()
		start := nextTS(t, s)
		resp, err := s.WriteBinlog(ctx, &binlogpb.WriteBinlogReq{ClusterID: s.ClusterID(), Payload: marshal(t, prewrite(start, "x"))})
		require.Equal(t, "no online: paused", resp.GetErrmsg(), "both errmsg and error")
		require.Equal(t, codes.Unavailable, status.Code(err))
		err = write(t, cli, s.ClusterID(), prewrite(start, "x"))
		require.Contains(t, status.Convert(err).Message(), "no online: paused")
		require.Equal(t, before+2, loss())
		// Commit and fake binlogs are accepted in any state.
		require.NoError(t, write(t, cli, s.ClusterID(), binlogpb.NewBinlog(binlogpb.BinlogType_Rollback, start, 0)))
		fake, err := s.writeFakeBinlog(ctx)
		require.NoError(t, err)
		require.Eventually(t, func() bool { return s.store.MaxCommitTS() >= fake.GetCommitTs() }, waitFor, tick)
	})
	require.Equal(t, float64(1), metricValue(t, s.metrics.rpcDuration.WithLabelValues("PullBinlogs", "fail").(prometheus.Metric)))
}

func TestFakeBinlogsWhenIdle(t *testing.T) {
	c := newCluster(t)
	cfg := c.config(t, dataDir(t), "pump-1")
	cfg.GenBinlogInterval = SecondsOf(50 * time.Millisecond)
	s := startPump(t, cfg)
	cli := dial(t, s.Addr())
	stream, err := cli.PullBinlogs(context.Background(), &binlogpb.PullBinlogReq{ClusterID: s.ClusterID(), StartFrom: &binlogpb.Pos{}})
	require.NoError(t, err)
	last := int64(0)
	for i := 0; i < 3; i++ {
		resp, err := stream.Recv()
		require.NoError(t, err)
		m := resp.GetEntity().GetMeta()
		require.Equal(t, m.GetStartTs(), m.GetCommitTs(), "fake binlog")
		require.Greater(t, m.GetCommitTs(), last)
		last = m.GetCommitTs()
		b := new(binlogpb.Binlog)
		require.NoError(t, proto.Unmarshal(resp.GetEntity().GetPayload(), b))
		require.True(t, b.IsFake())
		require.Equal(t, binlogpb.BinlogType_Rollback, b.GetTp())
	}
}

func TestUnixSocket(t *testing.T) {
	c := newCluster(t)
	cfg := c.config(t, dataDir(t), "pump-1")
	dir, err := os.MkdirTemp("", "pump") // t.TempDir() may be too long for a socket path
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	cfg.Socket = filepath.Join(dir, "pump.sock")
	s := startPump(t, cfg)
	cli := dial(t, "unix://"+cfg.Socket)
	start := nextTS(t, s)
	require.NoError(t, write(t, cli, s.ClusterID(), prewrite(start, "x")))
	// The index entry is written after the acknowledgement.
	var b *binlogpb.Binlog
	require.Eventually(t, func() bool {
		b, err = s.store.ReadBinlog(start)
		return err == nil
	}, 10*time.Second, time.Millisecond, "binlog never indexed: %v", err)
	require.Equal(t, "x", string(b.GetPrewriteValue()))
	conn, err := net.Dial("unix", cfg.Socket)
	require.NoError(t, err)
	require.NoError(t, conn.Close())
}
