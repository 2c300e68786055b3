package collector

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/mem"
)

// puller keeps one PullBinlogs stream open to a pump and pushes what it
// receives into the pump's source.
type puller struct {
	nodeID string
	src    *source
	c      *Collector
	lg     *zap.Logger

	position prometheus.Gauge
	reach    prometheus.Observer
	size     prometheus.Observer

	last atomic.Int64 // commit ts of the last binlog received

	mu     sync.Mutex
	addr   string
	paused bool
	cancel context.CancelFunc // of the current stream
	kick   chan struct{}      // signalled on resume
	done   chan struct{}
	stopFn context.CancelFunc // ends run; set before run starts
}

func (c *Collector) newPuller(nodeID, addr string, paused bool) *puller {
	return &puller{
		nodeID:   nodeID,
		src:      newSource(nodeID, c.cfg.BufferBytes, c.merger.wake),
		c:        c,
		lg:       c.lg.With(zap.String("nodeID", nodeID)),
		position: c.metrics.pumpPosition.WithLabelValues(nodeID),
		reach:    c.metrics.reachDuration.WithLabelValues(nodeID),
		size:     c.metrics.readBinlogSize.WithLabelValues(nodeID),
		addr:     addr,
		paused:   paused,
		kick:     make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
}

func (p *puller) setAddr(addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.addr != addr {
		p.lg.Info("pump address changed", zap.String("from", p.addr), zap.String("to", addr))
		p.addr = addr
	}
}

// pause stops pulling until resume.
func (p *puller) pause() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.paused {
		p.lg.Info("pump paused, stop pulling")
		p.paused = true
	}
	if p.cancel != nil {
		p.cancel()
	}
}

// resume pulls again after pause.
func (p *puller) resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.paused {
		p.lg.Info("pump online, resume pulling")
		p.paused = false
	}
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (p *puller) isPaused() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.paused
}

// stop ends run and waits for it.
func (p *puller) stop() {
	p.stopFn()
	<-p.done
}

// run pulls until ctx ends or a fatal error, which it reports to the collector.
func (p *puller) run(ctx context.Context) {
	defer close(p.done)
	wait := p.firstWait()
	for ctx.Err() == nil {
		if !p.waitActive(ctx) {
			return
		}
		before := p.last.Load()
		err := p.pull(ctx)
		if ctx.Err() != nil || errors.Is(err, errSourceRemoved) {
			return
		}
		if p.isPaused() {
			continue
		}
		if p.last.Load() != before {
			wait = p.firstWait() // the stream worked: a quick redial first
		}
		if retry, fatal := p.handle(err, wait); fatal != nil {
			p.c.fail(fatal)
			return
		} else if !retry {
			continue
		}
		p.sleep(ctx, wait)
		wait = min(2*wait, p.c.cfg.RetryInterval)
	}
}

// firstWait is the first backoff after a stream breaks: an eighth of
// RetryInterval, doubling up to RetryInterval while redials fail.
func (p *puller) firstWait() time.Duration {
	return max(p.c.cfg.RetryInterval/8, time.Millisecond)
}

// handle classifies the end of a stream: a fatal error, an immediate
// retry (an ignored data loss), or a retry after the backoff.
func (p *puller) handle(err error, wait time.Duration) (backoff bool, fatal error) {
	var ue *UnmarshalError
	if errors.As(err, &ue) {
		return false, ue
	}
	if ts, ok := dataLoss(err); ok {
		if ts > 0 && p.c.ignored(ts) {
			p.c.metrics.errors.WithLabelValues(errTypeDataLoss).Inc()
			p.c.skipped.Add(1)
			p.lg.Warn("pump lost a binlog listed in ignore-txn-commit-ts, skip it", zap.Int64("commitTS", ts), zap.Error(err))
			if ts > p.last.Load() {
				p.last.Store(ts)
			}
			return false, nil
		}
		return false, &DataLossError{NodeID: p.nodeID, CommitTS: ts, Err: err}
	}
	p.c.metrics.errors.WithLabelValues(errTypePull).Inc()
	p.lg.Warn("pull binlogs failed, retrying", zap.Int64("last", p.last.Load()),
		zap.Duration("after", wait), zap.Error(err))
	return true, nil
}

// waitActive blocks while paused; false when ctx ended.
func (p *puller) waitActive(ctx context.Context) bool {
	for p.isPaused() {
		select {
		case <-ctx.Done():
			return false
		case <-p.kick:
		}
	}
	return ctx.Err() == nil
}

func (p *puller) sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// pull runs one stream from the last commit ts received until it breaks.
func (p *puller) pull(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p.mu.Lock()
	addr := p.addr
	p.cancel = cancel
	paused := p.paused
	p.mu.Unlock()
	if paused {
		return nil
	}
	conn, err := grpc.NewClient(addr, p.c.dialOptions()...)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	req := &binlogpb.PullBinlogReq{ClusterID: p.c.cfg.ClusterID, StartFrom: &binlogpb.Pos{Offset: p.last.Load()}}
	stream, err := binlogpb.NewPumpClient(conn).PullBinlogs(ctx, req, p.c.callOptions()...)
	if err != nil {
		return err
	}
	p.lg.Info("pulling binlogs", zap.String("addr", addr), zap.Int64("from", req.StartFrom.Offset))
	for {
		resp, err := stream.Recv()
		if err != nil {
			return err
		}
		if err := p.receive(ctx, resp.GetEntity()); err != nil {
			return err
		}
	}
}

// receive decodes one entity and hands it to the merge.
func (p *puller) receive(ctx context.Context, ent *binlogpb.Entity) error {
	b := new(binlogpb.Binlog)
	if err := decodeBinlog(ent.GetPayload(), b); err != nil {
		return &UnmarshalError{NodeID: p.nodeID, Offset: ent.GetPos().GetOffset(), Err: err}
	}
	size := int64(len(ent.GetPayload()))
	p.size.Observe(float64(size))
	ts := b.GetCommitTs()
	p.reach.Observe(time.Since(time.UnixMilli(ts >> 18)).Seconds())
	if err := p.c.deps.Budget.Acquire(ctx, b, size, p.src.empty); err != nil {
		return err
	}
	if err := p.src.push(ctx, item{b: b, size: size}); err != nil {
		p.c.deps.Budget.Release(b)
		return err
	}
	if ts > p.last.Load() { // a pump going backwards is the merge's to drop
		p.last.Store(ts)
		p.position.Set(float64(ts >> 18))
	}
	return nil
}

func (c *Collector) dialOptions() []grpc.DialOption {
	creds := insecure.NewCredentials()
	if c.cfg.TLS != nil {
		creds = credentials.NewTLS(c.cfg.TLS)
	}
	// Unpooled receive buffers: a big binlog's frames become garbage as soon
	// as the codec copied them, instead of staying in a pool for the next one.
	opts := []grpc.DialOption{grpc.WithTransportCredentials(creds), experimental.WithBufferPool(mem.NopBufferPool{})}
	return append(opts, c.deps.DialOptions...)
}

func (c *Collector) callOptions() []grpc.CallOption {
	opts := []grpc.CallOption{grpc.MaxCallRecvMsgSize(math.MaxInt32), pullCallOption()}
	if c.cfg.Compressor == CompressorGzip {
		opts = append(opts, grpc.UseCompressor(gzip.Name))
	}
	return opts
}
