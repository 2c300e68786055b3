package pump

import (
	"context"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/pdlite"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
)

const waitFor, tick = 10 * time.Second, 20 * time.Millisecond

// cluster is a pd-lite with a registry client on its etcd.
type cluster struct {
	pd  *pdlite.Server
	reg *registry.Registry
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	pd := pdlitetest.Start(t)
	cli, err := registry.NewEtcdClient([]string{pd.ClientURL()}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cli.Close() })
	return &cluster{pd: pd, reg: registry.New(cli, nil)}
}

func (c *cluster) config(t *testing.T, dataDir, nodeID string) *Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.ListenAddr = "127.0.0.1:0"
	cfg.PDURLs = c.pd.ClientURL()
	cfg.DataDir = dataDir
	cfg.NodeID = nodeID
	cfg.HeartbeatInterval = 1
	cfg.GenBinlogInterval = SecondsOf(time.Hour)
	cfg.Storage.StopWriteAtAvailableSpace = 0
	cfg.Storage.SyncLog = false
	return cfg
}

func (c *cluster) pumpState(t *testing.T, nodeID string) string {
	t.Helper()
	st, err := c.reg.Node(context.Background(), registry.KindPump, nodeID)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return st.State
}

func (c *cluster) putDrainer(t *testing.T, nodeID, addr, state string, maxCommitTS int64) {
	t.Helper()
	require.NoError(t, c.reg.UpdateNode(context.Background(), registry.KindDrainer, &registry.Status{
		NodeID: nodeID, Addr: addr, State: state, MaxCommitTS: maxCommitTS,
	}))
}

// fastTimings shortens the server's internal periods for tests.
func fastTimings(change ...func(*timings)) Option {
	return func(o *options) {
		o.timings.notifyAttempts = 2
		o.timings.notifyBackoff = 20 * time.Millisecond
		o.timings.notifyTimeout = 3 * time.Second
		o.timings.offlineCheck = 20 * time.Millisecond
		o.timings.grpcStopTimeout = 2 * time.Second
		for _, f := range change {
			f(&o.timings)
		}
	}
}

func newPump(t *testing.T, cfg *Config, opts ...Option) *Server {
	t.Helper()
	s, err := NewServer(cfg, zap.NewNop(), append([]Option{fastTimings()}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func startPump(t *testing.T, cfg *Config, opts ...Option) *Server {
	t.Helper()
	s := newPump(t, cfg, opts...)
	require.NoError(t, s.Start())
	return s
}

func dial(t *testing.T, target string) binlogpb.PumpClient {
	t.Helper()
	conn, err := grpc.NewClient(target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return binlogpb.NewPumpClient(conn)
}

func nextTS(t *testing.T, s *Server) int64 {
	t.Helper()
	ts, err := s.tso(context.Background())
	require.NoError(t, err)
	return ts
}

func marshal(t testing.TB, b *binlogpb.Binlog) []byte {
	t.Helper()
	payload, err := proto.Marshal(b)
	require.NoError(t, err)
	return payload
}

func write(t *testing.T, cli binlogpb.PumpClient, clusterID uint64, b *binlogpb.Binlog) error {
	t.Helper()
	_, err := cli.WriteBinlog(context.Background(), &binlogpb.WriteBinlogReq{ClusterID: clusterID, Payload: marshal(t, b)})
	return err
}

func dataDir(t *testing.T) string { return filepath.Join(t.TempDir(), "pump") }

// deadAddr returns a loopback address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// fakeCistern is a drainer's Cistern service counting Notify calls.
// With hold set, Notify closes entered (once) and waits for hold.
type fakeCistern struct {
	binlogpb.UnimplementedCisternServer
	notified atomic.Int64
	addr     string
	hold     chan struct{}
	entered  chan struct{}
	enterOne sync.Once
}

func (f *fakeCistern) Notify(context.Context, *binlogpb.NotifyReq) (*binlogpb.NotifyResp, error) {
	if f.hold != nil {
		f.enterOne.Do(func() { close(f.entered) })
		<-f.hold
	}
	f.notified.Add(1)
	return &binlogpb.NotifyResp{}, nil
}

func startCistern(t *testing.T) *fakeCistern {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	gs := grpc.NewServer()
	f := &fakeCistern{addr: l.Addr().String()}
	binlogpb.RegisterCisternServer(gs, f)
	go func() { _ = gs.Serve(l) }()
	t.Cleanup(gs.Stop)
	return f
}

// metricValue reads a counter's value or a histogram's sample count.
func metricValue(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	require.NoError(t, m.Write(&d))
	if d.Histogram != nil {
		return float64(d.Histogram.GetSampleCount())
	}
	return d.GetCounter().GetValue()
}
