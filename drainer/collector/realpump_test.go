package collector

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/pump"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
)

// realCluster is pd-lite with real pump servers started in-process.
type realCluster struct {
	pdURL string
	reg   *registry.Registry
	tso   *pd.Client
	dirs  []string
	pumps []*pump.Server
	cli   []binlogpb.PumpClient
}

func startRealCluster(t *testing.T, pumps int) *realCluster {
	t.Helper()
	srv := pdlitetest.Start(t)
	etcd, err := registry.NewEtcdClient([]string{srv.ClientURL()}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = etcd.Close() })
	tso, err := pd.NewClient(context.Background(), []string{srv.ClientURL()}, security.Config{}, nil)
	require.NoError(t, err)
	t.Cleanup(tso.Close)
	rc := &realCluster{pdURL: srv.ClientURL(), reg: registry.New(etcd, nil), tso: tso}
	for i := range pumps {
		rc.dirs = append(rc.dirs, filepath.Join(t.TempDir(), "pump"))
		rc.pumps = append(rc.pumps, nil)
		rc.cli = append(rc.cli, nil)
		rc.startPump(t, i)
	}
	return rc
}

// startPump (re)starts pump i on its data dir.
func (rc *realCluster) startPump(t *testing.T, i int) {
	t.Helper()
	cfg := pump.DefaultConfig()
	cfg.ListenAddr = "127.0.0.1:0"
	cfg.PDURLs = rc.pdURL
	cfg.DataDir = rc.dirs[i]
	cfg.NodeID = []string{"pump-a", "pump-b", "pump-c"}[i]
	cfg.HeartbeatInterval = 1
	cfg.GenBinlogInterval = pump.SecondsOf(100 * time.Millisecond)
	cfg.Storage.StopWriteAtAvailableSpace = 0
	cfg.Storage.SyncLog = false
	s, err := pump.NewServer(cfg, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.Start())
	conn, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	rc.pumps[i] = s
	rc.cli[i] = binlogpb.NewPumpClient(conn)
}

func (rc *realCluster) ts(t *testing.T) int64 {
	t.Helper()
	ts, err := rc.tso.TSO(context.Background())
	require.NoError(t, err)
	return ts
}

func (rc *realCluster) write(t *testing.T, i int, b *binlogpb.Binlog) {
	t.Helper()
	payload, err := proto.Marshal(b)
	require.NoError(t, err)
	_, err = rc.cli[i].WriteBinlog(context.Background(), &binlogpb.WriteBinlogReq{ClusterID: rc.pumps[i].ClusterID(), Payload: payload})
	require.NoError(t, err)
}

// commit writes a prewrite and its commit binlog to pump i, returns the commit ts.
func (rc *realCluster) commit(t *testing.T, i int) int64 {
	t.Helper()
	return rc.commitKey(t, i, "k")
}

// commitKey is commit with a given prewrite key (findable in the value log).
func (rc *realCluster) commitKey(t *testing.T, i int, key string) int64 {
	t.Helper()
	start := rc.ts(t)
	pv, err := proto.Marshal(&binlogpb.PrewriteValue{SchemaVersion: proto.Int64(1)})
	require.NoError(t, err)
	p := binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, start, 0)
	p.PrewriteKey = []byte(key)
	p.PrewriteValue = pv
	rc.write(t, i, p)
	commit := rc.ts(t)
	rc.write(t, i, binlogpb.NewBinlog(binlogpb.BinlogType_Commit, start, commit))
	return commit
}

// realOutput collects the non-fake commit ts of a collector's output and
// checks that every emitted ts is larger than the previous one.
func realOutput(t *testing.T, c *Collector, ctx context.Context) (func() []int64, chan error) {
	t.Helper()
	h := &harness{c: c, done: make(chan error, 1), drained: make(chan struct{})}
	var lastTS int64
	// done delivers Run's result once Output is read to its end, so that
	// output() then holds everything Run emitted.
	go func() {
		err := c.Run(ctx)
		<-h.drained
		h.done <- err
	}()
	go func() {
		defer close(h.drained)
		for b := range c.Output() {
			if b.GetCommitTs() <= lastTS {
				t.Errorf("commit ts %d after %d", b.GetCommitTs(), lastTS)
			}
			lastTS = b.GetCommitTs()
			if !b.IsFake() {
				h.mu.Lock()
				h.got = append(h.got, b.GetCommitTs())
				h.mu.Unlock()
			}
		}
	}()
	return h.output, h.done
}

func TestRealPumpsMergeAndRestart(t *testing.T) {
	for _, compressor := range []string{"", CompressorGzip} {
		t.Run("compressor="+compressor, func(t *testing.T) {
			rc := startRealCluster(t, 2)
			cfg := Config{
				ClusterID: rc.pumps[0].ClusterID(), InitialTS: rc.ts(t), DetectInterval: time.Hour,
				RetryInterval: 50 * time.Millisecond, Compressor: compressor,
			}
			c, err := New(cfg, Deps{Registry: rc.reg})
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			output, done := realOutput(t, c, ctx)

			var want []int64
			for i := range 10 {
				want = append(want, rc.commit(t, i%2))
			}
			require.Eventually(t, func() bool { return len(output()) >= len(want) }, waitFor, tick)
			require.Equal(t, want, output())
			pos := c.PumpPositions()
			require.Len(t, pos, 2)
			require.GreaterOrEqual(t, pos["pump-a"], want[8])
			cancel()
			require.NoError(t, <-done)

			// A new collector from the 4th commit gets the rest.
			cfg.InitialTS = want[3]
			c2, err := New(cfg, Deps{Registry: rc.reg})
			require.NoError(t, err)
			ctx2, cancel2 := context.WithCancel(context.Background())
			output2, done2 := realOutput(t, c2, ctx2)
			require.Eventually(t, func() bool { return len(output2()) >= len(want)-4 }, waitFor, tick)
			require.Equal(t, want[4:], output2())
			cancel2()
			require.NoError(t, <-done2)
		})
	}
}

func TestRealPumpStoppedStallsOfflineReleases(t *testing.T) {
	rc := startRealCluster(t, 2)
	cfg := Config{ClusterID: rc.pumps[0].ClusterID(), InitialTS: rc.ts(t), DetectInterval: time.Hour, RetryInterval: 50 * time.Millisecond}
	c, err := New(cfg, Deps{Registry: rc.reg})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	output, done := realOutput(t, c, ctx)
	defer func() {
		cancel()
		require.NoError(t, <-done)
	}()
	first := []int64{rc.commit(t, 0), rc.commit(t, 1)}
	require.Eventually(t, func() bool { return len(output()) == 2 }, waitFor, tick)
	require.Equal(t, first, output())

	// pump-b exits (recorded paused): the merge waits for it.
	require.NoError(t, rc.pumps[1].Close())
	st, err := rc.reg.Node(context.Background(), registry.KindPump, "pump-b")
	require.NoError(t, err)
	require.Equal(t, registry.Paused, st.State)
	notify(t, c)
	later := rc.commit(t, 0)
	require.Never(t, func() bool { return len(output()) > 2 }, 500*time.Millisecond, tick)

	// Offline (binlogctl update-pump): the merge goes on without it.
	st.State = registry.Offline
	require.NoError(t, rc.reg.UpdateNode(context.Background(), registry.KindPump, st))
	notify(t, c)
	require.Eventually(t, func() bool { return len(output()) == 3 }, waitFor, tick)
	require.Equal(t, append(first, later), output())
	require.NotContains(t, c.PumpPositions(), "pump-b")
}

func notify(t *testing.T, c *Collector) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	require.NoError(t, c.Notify(ctx))
}
