package drainer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/collector"
	"github.com/openbinlog/tidb-binlog/drainer/membudget"
	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/portmux"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/soheilhy/cmux"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// Errors of the server.
var (
	ErrServerClosed = errors.New("drainer: server closed")
	// ErrHeartbeat: the registry could not be updated 20 times in a row.
	ErrHeartbeat = errors.New("drainer: heartbeat failed too many times")
)

// Server is a drainer: it registers in etcd, serves Cistern and the HTTP
// API on one port and runs the collector and the syncer (SPEC 5.2, 5.9).
type Server struct {
	binlogpb.UnimplementedCisternServer

	cfg  *Config
	lg   *zap.Logger
	opts options

	clusterID uint64
	pd        pdClient
	etcd      *clientv3.Client
	reg       nodeRegistry
	tlsCfg    *tls.Config
	promReg   *prometheus.Registry
	metrics   *metrics

	cp        closingCheckpoint
	closers   []func() error    // databases and the like, closed last
	budget    *membudget.Budget // memory-limit, from receipt to confirmation
	collector *collector.Collector
	syncer    *Syncer
	sink      sink.Sink
	node      *registry.LocalNode

	gs      *grpc.Server
	httpSrv *http.Server
	cm      cmux.CMux
	lis     net.Listener
	addr    string

	ctx       context.Context // cancelled when Close begins
	cancel    context.CancelFunc
	loops     sync.WaitGroup
	serving   sync.WaitGroup
	done      chan struct{}
	started   atomic.Bool
	syncerRan atomic.Bool
	closing   atomic.Bool

	errMu sync.Mutex
	err   error
}

// Option customizes NewServer.
type Option func(*options)

type options struct {
	registry       *prometheus.Registry
	safeModeWindow time.Duration
	heartbeat      time.Duration
	sinks          map[string]SinkBuilder
	parent         context.Context
}

// WithContext bounds the server's life by ctx: cancelling it stops a
// NewServer still waiting (for TiDB's DDL history, say) and stops the
// server like Close's first step.
func WithContext(ctx context.Context) Option {
	return func(o *options) { o.parent = ctx }
}

// WithMetricsRegistry makes the server register its metrics on reg.
func WithMetricsRegistry(reg *prometheus.Registry) Option {
	return func(o *options) { o.registry = reg }
}

// WithSafeModeWindow changes how long safe mode is forced at start (5 min).
func WithSafeModeWindow(d time.Duration) Option {
	return func(o *options) { o.safeModeWindow = d }
}

// WithSink adds (or replaces) the sink built for db-type name.
func WithSink(name string, b SinkBuilder) Option {
	return func(o *options) { o.sinks[name] = b }
}

// NewServer connects to PD and etcd, loads the checkpoint and the DDL
// history, and builds the sink, the collector and the syncer. Nothing
// listens until Start.
func NewServer(cfg *Config, lg *zap.Logger, opts ...Option) (*Server, error) {
	if lg == nil {
		lg = zap.NewNop()
	}
	// Parse already did both; they are idempotent, and a config built in
	// code gets its derived values here.
	if err := cfg.Adjust(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:  cfg,
		lg:   lg,
		opts: options{heartbeat: time.Second, sinks: builtinSinks(), parent: context.Background()},
		done: make(chan struct{}),
	}
	for _, o := range opts {
		o(&s.opts)
	}
	s.ctx, s.cancel = context.WithCancel(s.opts.parent)
	if err := s.init(); err != nil {
		s.releaseResources()
		s.cancel()
		return nil, err
	}
	return s, nil
}

// Start listens, registers the node online with the checkpoint as its
// MaxCommitTS, and starts the heartbeat, the collector and the syncer.
func (s *Server) Start() error {
	if s.closing.Load() || !s.started.CompareAndSwap(false, true) {
		return ErrServerClosed
	}
	if err := s.listen(); err != nil {
		s.abort()
		return err
	}
	s.serve()
	s.node.SetState(registry.Online)
	ctx, cancel := context.WithTimeout(s.ctx, registry.DefaultDialTimeout)
	defer cancel()
	if err := s.registerNode(ctx, registry.Online); err != nil {
		s.abort()
		return err
	}
	s.lg.Info("registered drainer online", zap.Int64("checkpointTS", s.cp.TS()))
	s.startLoops()
	s.lg.Info("drainer is serving", zap.String("addr", s.addr), zap.String("advertiseAddr", s.node.Addr()))
	return nil
}

func (s *Server) listen() error {
	lis, err := net.Listen("tcp", s.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.ListenAddr, err)
	}
	s.addr = lis.Addr().String()
	s.node.SetAddr(config.AdvertisedAddr(s.cfg.AdvertiseAddr, s.addr))
	if s.tlsCfg != nil {
		lis = security.NewListener(lis, s.tlsCfg, s.lg)
	}
	s.lis = lis
	return nil
}

// serve splits the port between gRPC (Cistern) and HTTP.
func (s *Server) serve() {
	s.gs = grpc.NewServer()
	binlogpb.RegisterCisternServer(s.gs, s)
	s.httpSrv = &http.Server{Handler: s.httpHandler(), ReadHeaderTimeout: 10 * time.Second}
	portmux.HTTPProtocols(s.httpSrv)
	var ls portmux.Listeners
	s.cm, ls = portmux.Split(s.lis)
	s.goServe("grpc", func() error { return s.gs.Serve(ls.GRPC) })
	s.goServe("http", func() error { return s.httpSrv.Serve(ls.HTTP) })
	s.goServe("http2", func() error { return s.httpSrv.Serve(ls.HTTP2) })
	s.goServe("cmux", s.cm.Serve)
}

func (s *Server) goServe(name string, serve func() error) {
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		err := serve()
		if err != nil && !s.closing.Load() && !isClosedErr(err) {
			s.lg.Error("server stopped", zap.String("listener", name), zap.Error(err))
		}
	}()
}

func isClosedErr(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, http.ErrServerClosed) ||
		errors.Is(err, cmux.ErrListenerClosed) || errors.Is(err, cmux.ErrServerClosed)
}

// startLoops runs the heartbeat, the collector and the syncer; the first
// fatal error of any of them closes the server.
func (s *Server) startLoops() {
	s.goLoop("heartbeat", s.heartbeatLoop)
	s.goLoop("collector", s.collector.Run)
	s.syncerRan.Store(true)
	s.goLoop("syncer", func(ctx context.Context) error { return s.syncer.Run(ctx, s.collector.Output()) })
	s.goLoop("metrics", s.metricsLoop)
}

func (s *Server) goLoop(name string, run func(ctx context.Context) error) {
	s.loops.Add(1)
	go func() {
		defer s.loops.Done()
		err := run(s.ctx)
		if err == nil || s.ctx.Err() != nil && errors.Is(err, context.Canceled) {
			return
		}
		s.setErr(fmt.Errorf("%s: %w", name, err))
		s.lg.Error("drainer stops on a fatal error", zap.String("component", name), zap.Error(err))
		go func() { _ = s.Close() }()
	}()
}

func (s *Server) setErr(err error) {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

// Err is the fatal error that closed the server (nil after a clean stop).
func (s *Server) Err() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

// Close stops the drainer once: the collector and the syncer stop (a clean
// stop saves the checkpoint as consistent), the final node state is
// recorded (paused, or offline after a close action), then the listeners,
// etcd and PD are released. Concurrent calls wait for the first one.
func (s *Server) Close() error {
	if !s.closing.CompareAndSwap(false, true) {
		<-s.done
		return s.Err()
	}
	defer close(s.done)
	s.lg.Info("closing drainer")
	s.cancel()
	s.loops.Wait()
	if s.started.Load() {
		s.commitStatus()
	}
	s.stopServing()
	s.releaseResources()
	s.lg.Info("drainer closed", zap.Error(s.Err()))
	return s.Err()
}

// abort releases everything after a failed Start without touching etcd.
func (s *Server) abort() {
	if !s.closing.CompareAndSwap(false, true) {
		return
	}
	defer close(s.done)
	s.cancel()
	s.loops.Wait()
	s.stopServing()
	s.releaseResources()
}

func (s *Server) stopServing() {
	if s.gs != nil {
		stopped := make(chan struct{})
		go func() { s.gs.GracefulStop(); close(stopped) }()
		select {
		case <-stopped:
		case <-time.After(5 * time.Second):
			s.gs.Stop()
			<-stopped
		}
	}
	if s.httpSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		if err := s.httpSrv.Shutdown(ctx); err != nil {
			_ = s.httpSrv.Close()
		}
		cancel()
	}
	if s.cm != nil {
		s.cm.Close()
	}
	if s.lis != nil {
		_ = s.lis.Close()
	}
	s.serving.Wait()
}

// releaseResources closes the checkpoint, databases, etcd and PD.
func (s *Server) releaseResources() {
	if s.sink != nil && !s.syncerRan.Load() {
		_ = s.sink.Close()
	}
	if s.cp != nil {
		_ = s.cp.Close()
		s.cp = nil
	}
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil {
			s.lg.Warn("release resource", zap.Error(err))
		}
	}
	s.closers = nil
	if s.etcd != nil {
		_ = s.etcd.Close()
		s.etcd = nil
	}
	if s.pd != nil {
		s.pd.Close()
		s.pd = nil
	}
}

// Addr is the address the server listens on, known after Start.
func (s *Server) Addr() string { return s.addr }

// NodeID is the node id registered in etcd.
func (s *Server) NodeID() string { return s.node.ID() }

// Done is closed once the server has closed.
func (s *Server) Done() <-chan struct{} { return s.done }

func defaultNodeID(listenAddr string) (string, error) {
	host, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("generate node id: %w", err)
	}
	_, port, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return "", fmt.Errorf("generate node id from %q: %w", listenAddr, err)
	}
	return host + ":" + port, nil
}
