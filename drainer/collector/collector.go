package collector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"go.uber.org/zap"
)

// Collector discovers pumps, pulls them and merges their binlogs.
type Collector struct {
	cfg     Config
	deps    Deps
	lg      *zap.Logger
	metrics *metrics
	merger  *merger

	out     chan *binlogpb.Binlog
	notify  chan chan error
	fatal   chan error
	closed  chan struct{}
	running atomic.Bool
	skipped atomic.Int64

	mu     sync.Mutex
	pumps  map[string]*puller
	runCtx context.Context
}

// New builds a collector; nothing runs until Run.
func New(cfg Config, deps Deps) (*Collector, error) {
	if err := cfg.adjust(); err != nil {
		return nil, err
	}
	if deps.Registry == nil {
		return nil, errors.New("collector: no registry")
	}
	lg := deps.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	lg = lg.With(zap.String("component", "collector"))
	m := newMetrics(deps.Registerer)
	return &Collector{
		cfg:     cfg,
		deps:    deps,
		lg:      lg,
		metrics: m,
		merger:  newMerger(cfg.InitialTS, lg, m, deps.Budget),
		out:     make(chan *binlogpb.Binlog),
		notify:  make(chan chan error),
		fatal:   make(chan error, 1),
		closed:  make(chan struct{}),
		pumps:   make(map[string]*puller),
	}, nil
}

// Output delivers the merged binlogs, fake ones included, in strictly
// increasing commit ts. It is closed when Run returns.
func (c *Collector) Output() <-chan *binlogpb.Binlog { return c.out }

// LatestTS is the commit ts of the last binlog emitted (InitialTS before any).
func (c *Collector) LatestTS() int64 { return c.merger.LatestTS() }

// SkippedDataLoss counts the lost binlogs skipped through IgnoreTxnCommitTS.
func (c *Collector) SkippedDataLoss() int64 { return c.skipped.Load() }

// PumpPositions maps each pump being merged to the commit ts of the last
// binlog received from it.
func (c *Collector) PumpPositions() map[string]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	pos := make(map[string]int64, len(c.pumps))
	for id, p := range c.pumps {
		pos[id] = p.last.Load()
	}
	return pos
}

// Notify refreshes the pump list now and returns the refresh's error. It
// needs Run to be running; ErrClosed once Run has returned.
func (c *Collector) Notify(ctx context.Context) error {
	reply := make(chan error, 1)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-c.closed:
		return ErrClosed
	case c.notify <- reply:
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case err := <-reply:
		return err
	}
}

// Run discovers, pulls and merges until ctx ends (nil) or a fatal error
// (a *DataLossError or *UnmarshalError), then stops every stream and closes
// Output. After a fatal error, every binlog received before it that the
// merge can order is emitted first (while ctx lasts).
func (c *Collector) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer close(c.closed)
	ctx, cancel := context.WithCancel(ctx)
	var mergeDone = make(chan struct{})
	defer func() {
		cancel()
		c.stopPullers()
		<-mergeDone
		close(c.out)
	}()
	c.mu.Lock()
	c.runCtx = ctx
	c.mu.Unlock()
	go func() {
		defer close(mergeDone)
		c.merger.run(ctx, c.out)
	}()
	err := c.loop(ctx)
	if err != nil {
		// A fatal error: the pullers stop, then the merge emits what it
		// can still order before Output closes, so the downstream applies
		// everything before the lost binlog. The failing pump's source
		// stays in the merge: once its queue, which holds only binlogs
		// before the lost one, is empty, nothing later can be emitted.
		c.stopPullers()
		c.merger.finish()
		<-mergeDone
	}
	return err
}

func (c *Collector) loop(ctx context.Context) error {
	c.refreshLogged(ctx)
	ticker := time.NewTicker(c.cfg.DetectInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-c.fatal:
			c.lg.Error("collector stops", zap.Error(err))
			return err
		case <-ticker.C:
			c.refreshLogged(ctx)
		case reply := <-c.notify:
			reply <- c.refreshLogged(ctx)
		}
	}
}

func (c *Collector) refreshLogged(ctx context.Context) error {
	err := c.refresh(ctx)
	if err != nil && ctx.Err() == nil {
		c.metrics.errors.WithLabelValues(errTypeListPumps).Inc()
		c.lg.Warn("refresh pump list failed", zap.Error(err))
	}
	return err
}

// fail reports a fatal error to Run (the first one wins).
func (c *Collector) fail(err error) {
	select {
	case c.fatal <- err:
	default:
	}
}

func (c *Collector) ignored(ts int64) bool { return slices.Contains(c.cfg.IgnoreTxnCommitTS, ts) }

// refresh reads the pump list and applies it to the pullers and the merge.
func (c *Collector) refresh(ctx context.Context) error {
	lctx, cancel := context.WithTimeout(ctx, defaultListTimeout)
	nodes, _, err := c.deps.Registry.Nodes(lctx, registry.KindPump)
	cancel()
	if err != nil {
		return fmt.Errorf("collector: list pumps: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var added []*puller
	var removed []*puller
	for _, n := range nodes {
		p, known := c.pumps[n.NodeID]
		if !known {
			if n.State == registry.Offline {
				continue
			}
			p = c.newPuller(n.NodeID, n.Addr, n.State == registry.Paused)
			c.lg.Info("found new pump", zap.String("nodeID", n.NodeID), zap.String("addr", n.Addr), zap.String("state", n.State))
			added = append(added, p)
			continue
		}
		p.setAddr(n.Addr)
		switch n.State {
		case registry.Paused:
			p.pause()
		case registry.Online:
			p.resume()
		case registry.Offline:
			c.lg.Info("pump offline, remove it from the merge", zap.String("nodeID", n.NodeID))
			removed = append(removed, p)
		}
	}
	c.applyLocked(added, removed)
	return nil
}

// applyLocked changes the merge's sources in one step and starts or stops
// the pullers; c.mu is held.
func (c *Collector) applyLocked(added, removed []*puller) {
	srcs := make([]*source, 0, len(added))
	byID := make(map[string]*puller, len(added))
	for _, p := range added {
		srcs = append(srcs, p.src)
		byID[p.nodeID] = p
	}
	ids := make([]string, 0, len(removed))
	for _, p := range removed {
		ids = append(ids, p.nodeID)
	}
	c.merger.apply(srcs, ids, func(id string, ts int64) { byID[id].last.Store(ts) })
	for _, p := range added {
		c.pumps[p.nodeID] = p
		p.position.Set(float64(p.last.Load() >> 18))
		go p.run(c.runCtxFor(p))
	}
	for _, p := range removed {
		delete(c.pumps, p.nodeID)
		p.stop()
		c.metrics.pumpPosition.DeleteLabelValues(p.nodeID)
	}
}

// runCtxFor derives the context a puller runs in, cancelled by its stop.
func (c *Collector) runCtxFor(p *puller) context.Context {
	ctx, cancel := context.WithCancel(c.runCtx)
	p.stopFn = cancel
	return ctx
}

// stopPullers stops every puller and waits for them.
func (c *Collector) stopPullers() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.pumps {
		p.stop()
	}
}
