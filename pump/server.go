package pump

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/log"
	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/pump/internal/ratelog"
	"github.com/openbinlog/tidb-binlog/pump/resolver"
	"github.com/openbinlog/tidb-binlog/pump/storage"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/soheilhy/cmux"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/keepalive"
)

// Server is a pump: it stores binlogs written by TiDB, serves them to
// drainers in commit-ts order and keeps its node status in etcd.
type Server struct {
	binlogpb.UnimplementedPumpServer

	cfg  *Config
	lg   *zap.Logger
	opts options

	clusterID uint64
	pd        pdClient
	etcd      *clientv3.Client
	reg       nodeRegistry
	topology  resolver.Topology
	store     engine
	node      *registry.LocalNode
	life      *lifecycle
	prevState string
	tlsCfg    *tls.Config
	promReg   *prometheus.Registry
	metrics   *metrics

	gs      *grpc.Server
	httpSrv *http.Server
	cm      cmux.CMux
	tcpLis  net.Listener
	unixLis net.Listener
	addr    string

	ctx       context.Context // cancelled when Close begins: background loops
	cancel    context.CancelFunc
	loops     sync.WaitGroup
	serving   sync.WaitGroup
	triggerGC chan struct{}
	pullClose chan struct{}
	done      chan struct{}
	started   atomic.Bool
	closing   atomic.Bool
	// online is set once Start has registered the node online (and
	// notified the drainers): HTTP serves before that, and a pause or
	// close arriving then would cancel the registration and make Start
	// fail, so such actions are refused until online is set.
	online atomic.Bool

	// failures of fake-binlog and WriteBinlog writes: one line per change
	// and a reminder per minute, not one per attempt
	fakeFailures  *ratelog.Failures
	writeFailures *ratelog.Failures

	lastWrite   atomic.Int64 // unix nanos of the last WriteBinlog (fake ones included)
	writeCount  atomic.Int64
	pullerCount atomic.Int64
	lagging     atomic.Pointer[[]DrainerLag]
}

// failureReminder is the period of the reminders while writes keep failing.
const failureReminder = time.Minute

// Option customizes NewServer.
type Option func(*options)

type options struct {
	registry *prometheus.Registry
	resolver storage.Resolver
	timings  timings
}

// timings are the internal periods of the server; tests shorten them.
type timings struct {
	gcInterval      time.Duration // periodic GC
	drainerCheck    time.Duration // drainer checkpoint vs GC point
	infoLog         time.Duration // periodic info line
	notifyTimeout   time.Duration // overall budget to notify all drainers
	notifyAttempts  int           // attempts per drainer
	notifyBackoff   time.Duration // first retry delay, doubled each time
	offlineCheck    time.Duration // polling while waiting to go offline
	grpcStopTimeout time.Duration // graceful gRPC stop before a hard stop
	earlyGCAlert    time.Duration // warn when a drainer is this close to the GC point
}

func defaultTimings() timings {
	return timings{
		gcInterval:      time.Hour,
		drainerCheck:    10 * time.Minute,
		infoLog:         10 * time.Second,
		notifyTimeout:   10 * time.Second,
		notifyAttempts:  3,
		notifyBackoff:   time.Second,
		offlineCheck:    time.Second,
		grpcStopTimeout: 10 * time.Second,
		earlyGCAlert:    20 * time.Hour,
	}
}

// WithMetricsRegistry makes the server register its metrics (and the
// storage's) on reg and serve reg on /metrics, instead of a registry of its
// own with the process and Go collectors.
func WithMetricsRegistry(reg *prometheus.Registry) Option {
	return func(o *options) { o.registry = reg }
}

// WithResolver sets the storage resolver for prewrite binlogs whose commit
// binlog never arrives, replacing the default one.
func WithResolver(r storage.Resolver) Option {
	return func(o *options) { o.resolver = r }
}

// NewServer connects to PD and etcd, opens the storage in cfg.DataDir (which
// takes its lock) and reads this node's previous state. Nothing listens
// until Start.
func NewServer(cfg *Config, lg *zap.Logger, opts ...Option) (*Server, error) {
	if lg == nil {
		lg = zap.NewNop()
	}
	cfg.Adjust()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:       cfg,
		lg:        lg,
		opts:      options{timings: defaultTimings()},
		triggerGC: make(chan struct{}),
		pullClose: make(chan struct{}),
		done:      make(chan struct{}),
	}
	s.fakeFailures = ratelog.New(lg, "write fake binlog failed", failureReminder)
	s.writeFailures = ratelog.New(lg, "write binlog failed", failureReminder)
	for _, o := range opts {
		o(&s.opts)
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if err := s.init(); err != nil {
		s.releaseResources()
		s.cancel()
		return nil, err
	}
	return s, nil
}

// init builds the dependencies in order; on error the caller releases
// whatever was built.
func (s *Server) init() error {
	s.promReg = s.opts.registry
	if s.promReg == nil {
		s.promReg = newProcessRegistry()
	}
	s.metrics = newMetrics(s.promReg)
	tlsCfg, err := s.cfg.Security.ToTLSConfig()
	if err != nil {
		return fmt.Errorf("load tls config: %w", err)
	}
	s.tlsCfg = tlsCfg
	urls := config.SplitList(s.cfg.PDURLs)
	pdCli, err := pd.NewClient(s.ctx, urls, s.cfg.Security, log.Library(s.lg, "pdClient"))
	if err != nil {
		return fmt.Errorf("connect pd: %w", err)
	}
	s.pd = pdCli
	s.clusterID = pdCli.ClusterID()
	s.lg.Info("get cluster id from pd", zap.Uint64("clusterID", s.clusterID))
	s.etcd, err = registry.NewEtcdClient(urls, tlsCfg, log.Library(s.lg, "etcdClient"))
	if err != nil {
		return fmt.Errorf("connect etcd: %w", err)
	}
	reg := registry.New(s.etcd, s.lg)
	s.reg, s.topology = reg, reg
	if err := s.openStorage(); err != nil {
		return err
	}
	return s.initNode()
}

func (s *Server) openStorage() error {
	so := s.cfg.storageOptions()
	so.Logger = s.lg
	so.Registerer = s.promReg
	so.Resolver = s.opts.resolver
	if so.Resolver == nil {
		// RESOLVER PLUG: the default resolver of missing commit binlogs.
		so.Resolver = s.newResolver()
	}
	st, err := storage.Open(s.cfg.DataDir, so)
	if err != nil {
		return fmt.Errorf("open storage %s: %w", s.cfg.DataDir, err)
	}
	s.store = st
	return nil
}

// newResolver builds the default resolver (package pump/resolver): it asks
// TiDB's /mvcc/hex API, at tidb-status-urls or at the TiDB instances found in
// etcd, what happened to a txn whose commit binlog never arrived.
func (s *Server) newResolver() storage.Resolver {
	return resolver.New(resolver.Config{
		StatusURLs:    s.cfg.TiDBStatusURLs,
		Topology:      s.topology,
		TSO:           s.pd,
		MaxTxnTimeout: time.Duration(s.cfg.MaxTxnTimeout) * time.Second,
		TLS:           s.tlsCfg,
		Logger:        s.lg,
		Registerer:    s.promReg,
	})
}

func (s *Server) initNode() error {
	id, err := resolveNodeID(s.cfg.DataDir, s.cfg.NodeID, s.cfg.ListenAddr, s.lg)
	if err != nil {
		return err
	}
	s.node = registry.NewLocalNode(id, s.cfg.AdvertiseAddr)
	s.lg = s.lg.With(zap.String("nodeID", id))
	ctx, cancel := context.WithTimeout(s.ctx, registry.DefaultDialTimeout)
	defer cancel()
	st, err := s.reg.Node(ctx, registry.KindPump, id)
	switch {
	case errors.Is(err, registry.ErrNodeNotFound):
		s.prevState = registry.Offline
	case err != nil:
		return fmt.Errorf("read previous state of %s: %w", id, err)
	default:
		s.prevState = st.State
	}
	s.node.SetState(s.prevState)
	s.lg.Info("previous node state", zap.String("state", s.prevState))
	s.life = &lifecycle{node: s.node, reg: s.reg, ts: tsoFunc(s.tso), store: s.store, tlsCfg: s.tlsCfg,
		heartbeat: s.cfg.heartbeatInterval(), timings: s.opts.timings, lg: s.lg,
		writeFake: func(ctx context.Context) (int64, error) {
			b, err := s.writeFakeBinlog(ctx)
			return b.GetCommitTs(), err
		}}
	return nil
}

// grpcStreamWorkers is the number of goroutines kept to run RPCs. Without
// them every RPC starts a goroutine whose stack then grows (copied) to the
// depth of the handler, which cost about 15% of the pump's CPU with 128
// writers; with them the goroutines and their grown stacks are reused. An
// RPC arriving while all of them are busy still gets a goroutine of its own.
const grpcStreamWorkers = 256

func (s *Server) newGRPCServer() *grpc.Server {
	gs := grpc.NewServer(
		grpc.NumStreamWorkers(grpcStreamWorkers),
		experimental.BufferPool(grpcBuffers),
		grpc.ForceServerCodecV2(newServerCodec()),
		grpc.MaxRecvMsgSize(s.cfg.MaxMessageSize),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime:             5 * time.Second,
			PermitWithoutStream: true,
		}),
	)
	binlogpb.RegisterPumpServer(gs, s)
	return gs
}

// Addr returns the address the server listens on (host:port), known after Start.
func (s *Server) Addr() string { return s.addr }

// NodeID returns the node ID registered in etcd.
func (s *Server) NodeID() string { return s.node.ID() }

// ClusterID returns the PD cluster ID the server accepts.
func (s *Server) ClusterID() uint64 { return s.clusterID }

// Done is closed when the server has closed, whether Close was called or an
// HTTP pause/close action ended it.
func (s *Server) Done() <-chan struct{} { return s.done }

// releaseResources closes storage, etcd and PD; each is closed once.
func (s *Server) releaseResources() {
	if s.store != nil {
		if err := s.store.Close(); err != nil {
			s.lg.Error("close storage failed", zap.Error(err))
		}
		s.store = nil
	}
	if s.etcd != nil {
		if err := s.etcd.Close(); err != nil {
			s.lg.Warn("close etcd client failed", zap.Error(err))
		}
		s.etcd = nil
	}
	if s.pd != nil {
		s.pd.Close()
		s.pd = nil
	}
}
