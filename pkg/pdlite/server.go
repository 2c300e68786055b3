package pdlite

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pingcap/kvproto/pkg/pdpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.etcd.io/etcd/server/v3/etcdserver/api/v3client"
	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/openbinlog/tidb-binlog/pkg/security"
)

// Sentinel errors of Start.
var (
	ErrDataDirLocked = errors.New("pdlite: data dir is used by another pd-lite")
	ErrNotReady      = errors.New("pdlite: etcd did not become ready")
	ErrBadConfig     = errors.New("pdlite: invalid config")
)

// readyTimeout bounds the wait for etcd to elect itself and serve.
const readyTimeout = 30 * time.Second

// Config configures a pd-lite server.
type Config struct {
	Name       string
	DataDir    string
	ClientURLs []string // listen and advertise; port 0 picks a free port
	PeerURLs   []string // etcd peer URLs (unused by clients, required by etcd)
	// Security enables TLS on the client URLs (which must then be https):
	// clients need a certificate signed by ssl-ca, with a common name in
	// cert-allowed-cn when that list is set.
	Security security.Config
	Logger   *zap.Logger
	// Debug routes etcd's own logs to Logger; otherwise they are discarded.
	Debug bool
}

// DefaultConfig returns the defaults of the pd-lite binary.
func DefaultConfig() Config {
	return Config{
		Name:       "pd-lite",
		DataDir:    "default.pd-lite",
		ClientURLs: []string{"http://127.0.0.1:2379"},
		PeerURLs:   []string{"http://127.0.0.1:2380"},
	}
}

// Server is a running pd-lite: embedded etcd plus the PD service on the same URLs.
type Server struct {
	etcd      *embed.Etcd
	grpcs     grpcServers
	cli       *clientv3.Client
	lock      *os.File
	clientURL string
	clusterID uint64
	lg        *zap.Logger

	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Start starts pd-lite and returns once etcd is ready, the cluster ID is
// known and the TSO is initialised above everything served before.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	lg := cfg.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	lg = lg.With(zap.String("component", "pdlite"))
	if err := validate(cfg); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	lock, err := lockDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	s := &Server{lock: lock, lg: lg}
	if err := s.start(ctx, cfg); err != nil {
		s.shutdown()
		return nil, err
	}
	return s, nil
}

func validate(cfg Config) error {
	switch {
	case cfg.Name == "":
		return fmt.Errorf("empty name: %w", ErrBadConfig)
	case cfg.DataDir == "":
		return fmt.Errorf("empty data dir: %w", ErrBadConfig)
	case len(cfg.ClientURLs) == 0 || len(cfg.PeerURLs) == 0:
		return fmt.Errorf("client and peer URLs are required: %w", ErrBadConfig)
	}
	return validateTLS(cfg)
}

func (s *Server) start(ctx context.Context, cfg Config) error {
	svc := &pdService{lg: s.lg}
	var err error
	for attempt := 0; ; attempt++ {
		s.etcd, err = startEtcd(cfg, svc, &s.grpcs, s.lg)
		// A port picked for ":0" may be taken in between: pick again.
		if err == nil || attempt == 2 || !errors.Is(err, syscall.EADDRINUSE) || !hasZeroPort(cfg) {
			break
		}
	}
	if err != nil {
		return err
	}
	if err := s.waitReady(ctx); err != nil {
		return err
	}
	s.clientURL = realURL(cfg.ClientURLs[0], s.etcd.Clients[0].Addr())
	s.cli = v3client.New(s.etcd.Server)
	return s.initService(ctx, cfg, svc)
}

func (s *Server) waitReady(ctx context.Context) error {
	t := time.NewTimer(readyTimeout)
	defer t.Stop()
	select {
	case <-s.etcd.Server.ReadyNotify():
		return nil
	case err := <-s.etcd.Err():
		return fmt.Errorf("start etcd: %w", err)
	case <-ctx.Done():
		return fmt.Errorf("wait for etcd: %w", ctx.Err())
	case <-t.C:
		return ErrNotReady
	}
}

func (s *Server) initService(ctx context.Context, cfg Config, svc *pdService) error {
	id, err := initClusterID(ctx, s.cli)
	if err != nil {
		return err
	}
	s.clusterID = id
	alloc := newAllocator(&etcdBound{cli: s.cli, key: timestampKey(id)}, nil)
	if err := alloc.sync(ctx); err != nil {
		return err
	}
	peers := make([]string, 0, len(s.etcd.Peers))
	for i, p := range s.etcd.Peers {
		peers = append(peers, realURL(cfg.PeerURLs[min(i, len(cfg.PeerURLs)-1)], p.Addr()))
	}
	svc.state.Store(&serviceState{
		clusterID: id,
		alloc:     alloc,
		member: &pdpb.Member{
			Name:       cfg.Name,
			MemberId:   uint64(s.etcd.Server.ID()),
			PeerUrls:   peers,
			ClientUrls: []string{s.clientURL},
		},
	})
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		alloc.run(runCtx, func(err error) { s.lg.Warn("update tso failed", zap.Error(err)) })
	}()
	s.lg.Info("pd-lite ready", zap.String("clientURL", s.clientURL), zap.Uint64("clusterID", id))
	return nil
}

// startEtcd starts the embedded etcd with the PD service on its gRPC server.
func startEtcd(cfg Config, svc *pdService, grpcs *grpcServers, lg *zap.Logger) (*embed.Etcd, error) {
	clientURLs, err := resolveURLs(cfg.ClientURLs)
	if err != nil {
		return nil, fmt.Errorf("client urls: %w", err)
	}
	peerURLs, err := resolveURLs(cfg.PeerURLs)
	if err != nil {
		return nil, fmt.Errorf("peer urls: %w", err)
	}
	ec := embed.NewConfig()
	ec.Name = cfg.Name
	ec.Dir = cfg.DataDir
	ec.ListenClientUrls, ec.AdvertiseClientUrls = clientURLs, clientURLs
	ec.ListenPeerUrls, ec.AdvertisePeerUrls = peerURLs, peerURLs
	ec.ClientTLSInfo = clientTLSInfo(cfg.Security)
	if len(ec.ClientTLSInfo.AllowedCNs) > 0 {
		// etcd's JSON gateway dials its own gRPC with the server certificate
		// but without verifying, and etcd's CN check then refuses it forever
		// ("client certificate authentication failed"): nobody uses it here.
		ec.EnableGRPCGateway = false
	}
	ec.InitialCluster = ec.InitialClusterFromName(cfg.Name)
	ec.InitialClusterToken = "pd-lite"
	// A single member elects itself after one election timeout: keep it short
	// so that pd-lite (re)starts quickly.
	ec.TickMs, ec.ElectionMs = 10, 100
	ec.AutoCompactionMode = embed.CompactorModePeriodic
	ec.AutoCompactionRetention = "1h"
	etcdLg := zap.NewNop()
	if cfg.Debug {
		etcdLg = lg.With(zap.String("component", "etcd"))
	}
	ec.ZapLoggerBuilder = embed.NewZapLoggerBuilder(etcdLg)
	ec.ServiceRegister = func(gs *grpc.Server) {
		pdpb.RegisterPDServer(gs, svc)
		grpcs.add(gs)
	}
	e, err := embed.StartEtcd(ec)
	if err != nil {
		return nil, fmt.Errorf("start etcd: %w", err)
	}
	return e, nil
}

// resolveURLs parses URLs and replaces port 0 by a currently free port, so
// that the advertised URLs (seen by etcd clients' member sync) are real.
func resolveURLs(raw []string) ([]url.URL, error) {
	out := make([]url.URL, 0, len(raw))
	for _, r := range raw {
		u, err := url.Parse(strings.TrimSpace(r))
		if err != nil {
			return nil, fmt.Errorf("parse %q: %w: %w", r, ErrBadConfig, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Port() == "" {
			return nil, fmt.Errorf("url %q needs http(s)://host:port: %w", r, ErrBadConfig)
		}
		if u.Port() == "0" {
			port, err := freePort(u.Hostname())
			if err != nil {
				return nil, err
			}
			u.Host = net.JoinHostPort(u.Hostname(), port)
		}
		out = append(out, *u)
	}
	return out, nil
}

func freePort(host string) (string, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return "", fmt.Errorf("pick a free port on %s: %w", host, err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port, nil
}

func hasZeroPort(cfg Config) bool {
	for _, u := range append(append([]string{}, cfg.ClientURLs...), cfg.PeerURLs...) {
		if strings.HasSuffix(strings.TrimSpace(u), ":0") {
			return true
		}
	}
	return false
}

// realURL keeps the scheme of configured and takes host:port from the listener.
func realURL(configured string, addr net.Addr) string {
	scheme := "http"
	if u, err := url.Parse(configured); err == nil && u.Scheme != "" {
		scheme = u.Scheme
	}
	return scheme + "://" + addr.String()
}

// ClientURL returns the real client URL, e.g. http://127.0.0.1:41234.
func (s *Server) ClientURL() string { return s.clientURL }

// ClusterID returns the cluster ID (persisted in etcd at /pd/cluster_id).
func (s *Server) ClusterID() uint64 { return s.clusterID }

// Err reports fatal errors of the embedded etcd after Start.
func (s *Server) Err() <-chan error { return s.etcd.Err() }

// Close stops the TSO loop and etcd, and releases the data dir.
func (s *Server) Close() error {
	s.closeOnce.Do(s.shutdown)
	return s.closeErr
}

func (s *Server) shutdown() {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	if s.cli != nil {
		// The in-process client reports its own cancellation as the close error.
		if err := s.cli.Close(); err != nil && !errors.Is(err, context.Canceled) {
			s.closeErr = errors.Join(s.closeErr, err)
		}
	}
	if s.etcd != nil {
		// etcd's own Close waits up to its request timeout (5 s) for open
		// streams (watches, lease keep-alives, TSO) to end, which they never
		// do by themselves: stop the gRPC servers first.
		s.grpcs.stop()
		s.etcd.Close()
	}
	if s.lock != nil {
		s.closeErr = errors.Join(s.closeErr, s.lock.Close())
	}
}

// grpcServers collects the gRPC servers etcd creates (one per client listener).
type grpcServers struct {
	mu  sync.Mutex
	all []*grpc.Server
}

func (g *grpcServers) add(gs *grpc.Server) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.all = append(g.all, gs)
}

// stop cancels every RPC and closes every connection.
func (g *grpcServers) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, gs := range g.all {
		gs.Stop()
	}
}
