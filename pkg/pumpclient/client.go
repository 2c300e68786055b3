package pumpclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/security"
)

// Errors returned by the client.
var (
	ErrNoPumpFound     = errors.New("pumpclient: no pump found in pd")
	ErrNoAvailablePump = errors.New("pumpclient: no available pump to write binlog")
	ErrBinlogTooLarge  = errors.New("pumpclient: binlog data is too large")
	ErrClosed          = errors.New("pumpclient: client closed")
)

// pdTimeout bounds fetching the cluster ID from PD.
const pdTimeout = 10 * time.Second

// nodeSource lists and watches pumps (implemented by *registry.Registry).
type nodeSource interface {
	Nodes(ctx context.Context, kind string) ([]*registry.Status, int64, error)
	Watch(ctx context.Context, kind string, fromRev int64) <-chan registry.Event
}

var _ nodeSource = (*registry.Registry)(nil)

// PumpsClient writes TiDB binlogs to pumps. It is safe for concurrent use.
type PumpsClient struct {
	clusterID uint64
	timeout   time.Duration
	opts      options
	lg        *zap.Logger
	m         *metrics
	sel       pumpSelector
	ts        *tsMap
	dial      dialConfig

	mu          sync.RWMutex
	pumps       map[string]*pumpNode // every known pump, by node id
	available   map[string]*pumpNode // candidates for prewrites
	unavailable map[string]*pumpNode // not online, or failing

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // background loops and in-flight writes

	closeMu sync.RWMutex
	closed  bool
	closers []func() error
}

// NewPumpsClient gets the cluster ID from PD, lists the pumps registered in
// PD's etcd and watches them. etcdURLs is a comma-separated list of PD
// URLs; strategy is range (default), hash, score or local unix; timeout is
// the prewrite write timeout (0: 15 s).
func NewPumpsClient(etcdURLs string, strategy string, timeout time.Duration, sec security.Config, opts ...Option) (*PumpsClient, error) {
	o := buildOptions(opts)
	urls, tlsCfg, clusterID, err := connectPD(etcdURLs, sec, o.lg)
	if err != nil {
		return nil, err
	}
	cli, err := registry.NewEtcdClient(urls, tlsCfg, o.lg)
	if err != nil {
		return nil, fmt.Errorf("open etcd: %w", err)
	}
	c, err := newPumpsClient(clusterID, registry.New(cli, o.lg), strategy, timeout, dialConfig{tls: tlsCfg, timeout: o.dialTimeout}, o)
	if err != nil {
		_ = cli.Close()
		return nil, err
	}
	c.closers = append(c.closers, cli.Close)
	return c, nil
}

// NewLocalPumpsClient writes every binlog to the single pump listening on
// the unix socket binlogSocket (the kafka-version deployment). The cluster
// ID still comes from PD; etcd is not used.
func NewLocalPumpsClient(etcdURLs, binlogSocket string, timeout time.Duration, sec security.Config, opts ...Option) (*PumpsClient, error) {
	o := buildOptions(opts)
	_, tlsCfg, clusterID, err := connectPD(etcdURLs, sec, o.lg)
	if err != nil {
		return nil, err
	}
	return newLocalPumpsClient(clusterID, binlogSocket, timeout, dialConfig{tls: tlsCfg, unix: true, timeout: o.dialTimeout}, o), nil
}

// connectPD parses the URLs, builds the TLS configuration and reads the
// cluster ID.
func connectPD(etcdURLs string, sec security.Config, lg *zap.Logger) ([]string, *tls.Config, uint64, error) {
	urls := config.SplitList(etcdURLs)
	if len(urls) == 0 {
		return nil, nil, 0, fmt.Errorf("parse pd urls %q: empty", etcdURLs)
	}
	tlsCfg, err := sec.ToTLSConfig()
	if err != nil {
		return nil, nil, 0, fmt.Errorf("load security config: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), pdTimeout)
	defer cancel()
	pdCli, err := pd.NewClient(ctx, urls, sec, lg)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("connect pd: %w", err)
	}
	defer pdCli.Close()
	return urls, tlsCfg, pdCli.ClusterID(), nil
}

func newClient(clusterID uint64, strategy string, timeout time.Duration, dial dialConfig, o options) *PumpsClient {
	if timeout <= 0 {
		timeout = DefaultBinlogWriteTimeout
	}
	lg := o.lg.With(zap.String("component", "pumpclient"))
	ctx, cancel := context.WithCancel(context.Background())
	return &PumpsClient{
		clusterID:   clusterID,
		timeout:     timeout,
		opts:        o,
		lg:          lg,
		m:           newMetrics(o.reg, lg),
		sel:         newSelector(strategy, lg),
		ts:          newTSMap(o.commitTimeout),
		dial:        dial,
		pumps:       make(map[string]*pumpNode),
		available:   make(map[string]*pumpNode),
		unavailable: make(map[string]*pumpNode),
		ctx:         ctx,
		cancel:      cancel,
	}
}

// newPumpsClient lists the pumps of src and starts the watch, detect and
// cleanup loops.
func newPumpsClient(clusterID uint64, src nodeSource, strategy string, timeout time.Duration, dial dialConfig, o options) (*PumpsClient, error) {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultEtcdTimeout)
	nodes, rev, err := src.Nodes(ctx, registry.KindPump)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("list pumps: %w", err)
	}
	if len(nodes) == 0 {
		return nil, ErrNoPumpFound
	}
	c := newClient(clusterID, strategy, timeout, dial, o)
	for _, st := range nodes {
		c.putPump(st)
	}
	c.lg.Info("pump client started", zap.Uint64("clusterID", clusterID), zap.Int("pumps", len(nodes)),
		zap.Int("available", c.availableCount()), zap.Int64("revision", rev))
	events := src.Watch(c.ctx, registry.KindPump, rev+1)
	c.goLoop(func() { c.watchLoop(events) })
	c.goLoop(c.detectLoop)
	c.goLoop(c.cleanupLoop)
	return c, nil
}

func newLocalPumpsClient(clusterID uint64, socket string, timeout time.Duration, dial dialConfig, o options) *PumpsClient {
	c := newClient(clusterID, LocalUnix, timeout, dial, o)
	c.putPump(&registry.Status{NodeID: localPumpID, Addr: socket, State: registry.Online, IsAlive: true})
	c.goLoop(c.detectLoop)
	c.goLoop(c.cleanupLoop)
	return c
}

func (c *PumpsClient) goLoop(f func()) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		f()
	}()
}

// ClusterID returns the cluster ID sent with every request.
func (c *PumpsClient) ClusterID() uint64 { return c.clusterID }

// Close stops the background loops, waits for in-flight writes (they give
// up promptly with ErrClosed) and closes every connection.
func (c *PumpsClient) Close() {
	c.closeMu.Lock()
	if c.closed {
		c.closeMu.Unlock()
		return
	}
	c.closed = true
	c.closeMu.Unlock()

	c.cancel()
	c.wg.Wait()
	c.mu.Lock()
	for _, p := range c.pumps {
		p.close()
	}
	c.mu.Unlock()
	for _, f := range c.closers {
		if err := f(); err != nil {
			c.lg.Warn("close pump client resource failed", zap.Error(err))
		}
	}
	c.lg.Info("pump client closed")
}

// enter registers an in-flight write; false once the client is closed.
func (c *PumpsClient) enter() bool {
	c.closeMu.RLock()
	defer c.closeMu.RUnlock()
	if c.closed {
		return false
	}
	c.wg.Add(1)
	return true
}
