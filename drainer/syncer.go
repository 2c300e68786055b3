package drainer

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/membudget"
	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Timings of the syncer (SPEC 5.6).
const (
	defaultSafeModeWindow = 5 * time.Minute
	defaultSaveInterval   = 3 * time.Second
	fakeMarkerSpacing     = 3 * time.Second // of commit time
)

// ErrSinkClosed is returned when the sink ends without an error of its own.
var ErrSinkClosed = errors.New("drainer: sink closed")

// SyncerOptions configure a Syncer.
type SyncerOptions struct {
	// DestDBType is the sink type (mysql, tidb, file, kafka, _intercept).
	DestDBType string
	// SafeMode is the configured safe mode, applied after SafeModeWindow.
	SafeMode bool
	// SafeModeWindow is how long safe mode is forced on at start (5 min).
	SafeModeWindow time.Duration
	// SyncDDL false: DDLs are not executed downstream.
	SyncDDL bool
	// IgnoreTxnCommitTS lists commit ts that are skipped.
	IgnoreTxnCommitTS []int64
	// LoopbackControl turns on SyncerDeps.Loopback (txns that carry this
	// channel's mark are not replicated back).
	LoopbackControl bool
	// QueueItems and QueueBytes bound the input queue.
	QueueItems int
	QueueBytes int64
	// SaveInterval is the checkpoint period (3 s).
	SaveInterval time.Duration
}

// SyncerDeps are the collaborators of a Syncer.
type SyncerDeps struct {
	Schema     schemaTracker
	Jobs       jobSource
	Sink       sink.Sink
	Checkpoint checkpointSaver
	Tables     tableFilter // nil: everything
	Events     eventFilter // nil: everything
	// Loopback reports whether a DML txn carries this channel's mark (nil: never).
	Loopback func(item *sink.Item) (bool, error)
	Logger   *zap.Logger
	// Budget is the memory budget the collector charged the binlogs to:
	// the syncer releases a binlog's bytes once the sink confirmed it, or
	// at once when nothing is sent for it (nil: not accounted).
	Budget  *membudget.Budget
	metrics *metrics
}

// Syncer takes the merged binlogs, resolves them against the schema,
// filters them, hands them to the sink and saves the checkpoint as the sink
// confirms them (SPEC 5.5, 5.6).
type Syncer struct {
	opts   SyncerOptions
	deps   SyncerDeps
	lg     *zap.Logger
	m      *metrics
	ignore map[int64]bool

	queue    *byteQueue
	progress *progress

	lastActivity syncTime
	lastSent     *binlogpb.Binlog // of the last item handed to the sink
	inputGauge   prometheus.Gauge // queue_size{name="syncer_input"}, once set
}

// NewSyncer builds a Syncer; Run starts it.
func NewSyncer(opts SyncerOptions, deps SyncerDeps) *Syncer {
	if opts.SafeModeWindow == 0 {
		opts.SafeModeWindow = defaultSafeModeWindow
	}
	if opts.SaveInterval <= 0 {
		opts.SaveInterval = defaultSaveInterval
	}
	if opts.QueueItems <= 0 {
		opts.QueueItems = DefaultCacheBinlogs
	}
	if opts.QueueBytes <= 0 {
		opts.QueueBytes = DefaultMemoryLimit
	}
	lg := deps.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	m := deps.metrics
	if m == nil {
		m = newMetrics(nil)
	}
	s := &Syncer{
		opts:   opts,
		deps:   deps,
		lg:     lg.With(zap.String("component", "syncer")),
		m:      m,
		ignore: make(map[int64]bool, len(opts.IgnoreTxnCommitTS)),
		queue:  newByteQueue(opts.QueueItems, opts.QueueBytes),
	}
	for _, ts := range opts.IgnoreTxnCommitTS {
		s.ignore[ts] = true
	}
	s.progress = newProgress(deps.Checkpoint, opts.SaveInterval, s.lg, m)
	s.lastActivity.set(time.Now())
	return s
}

// LastActivity is when the sink last confirmed an item (or the start).
func (s *Syncer) LastActivity() time.Time { return s.lastActivity.get() }

// CheckpointTS is the last saved checkpoint commit ts.
func (s *Syncer) CheckpointTS() int64 { return s.progress.savedTS() }

// Run consumes in until ctx ends (a clean stop: the sink is flushed and the
// checkpoint saved as consistent) or a fatal error (returned; the
// checkpoint keeps the last confirmed position). It closes the sink.
func (s *Syncer) Run(ctx context.Context, in <-chan *binlogpb.Binlog) error {
	if err := s.deps.Schema.HandlePreviousDDLJobIfNeed(s.deps.Checkpoint.SchemaVersion() + 1); err != nil {
		_ = s.deps.Sink.Close()
		return fmt.Errorf("apply history DDL jobs up to the checkpoint: %w", err)
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); s.queue.feed(runCtx, in) }()
	go func() { defer wg.Done(); s.safeModeLoop(runCtx) }()
	handled := make(chan struct{})
	go func() {
		defer wg.Done()
		defer close(handled)
		if err := s.handleSuccesses(); err != nil {
			cancel(err)
			for range s.deps.Sink.Successes() { //nolint:revive // drain so that Close can finish
			}
		}
	}()
	go s.watchSinkError(runCtx, cancel)
	loopErr := s.loop(runCtx)
	if loopErr != nil {
		cancel(loopErr)
	}
	cancel(nil)
	closeErr := s.deps.Sink.Close()
	<-handled
	wg.Wait()
	fatal := loopErr
	if cause := context.Cause(runCtx); fatal == nil && cause != nil && !errors.Is(cause, context.Canceled) {
		fatal = cause
	}
	if fatal == nil && closeErr != nil {
		fatal = fmt.Errorf("close sink: %w", closeErr)
	}
	if fatal != nil {
		s.lg.Error("syncer stopped", zap.Error(fatal))
		return fatal
	}
	return s.progress.saveFinal()
}

// watchSinkError ends the run on the first error the sink reports.
func (s *Syncer) watchSinkError(ctx context.Context, cancel context.CancelCauseFunc) {
	select {
	case <-ctx.Done():
	case err, ok := <-s.deps.Sink.Error():
		if !ok || err == nil {
			return
		}
		s.m.errors.WithLabelValues("sink").Inc()
		cancel(err)
	}
}

// safeModeLoop forces safe mode on for the first SafeModeWindow, then sets
// the configured value (sinks that support it).
func (s *Syncer) safeModeLoop(ctx context.Context) {
	setter, ok := s.deps.Sink.(sink.SafeModeSetter)
	if !ok {
		return
	}
	setter.SetSafeMode(true)
	s.lg.Info("safe mode forced on at start", zap.Duration("for", s.opts.SafeModeWindow))
	t := time.NewTimer(s.opts.SafeModeWindow)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
		setter.SetSafeMode(s.opts.SafeMode)
		s.lg.Info("safe mode set to the configured value", zap.Bool("safeMode", s.opts.SafeMode))
	}
}

// loop handles queued binlogs until the queue ends.
func (s *Syncer) loop(ctx context.Context) error {
	for {
		b := s.queue.pop()
		if b == nil || ctx.Err() != nil {
			return nil
		}
		if s.inputGauge == nil { // looked up once: a label lookup per binlog showed in profiles
			s.inputGauge = s.m.queueSize.WithLabelValues("syncer_input")
		}
		s.inputGauge.Set(float64(s.queue.len()))
		err := s.handle(ctx, b)
		if s.lastSent != b {
			// Nothing went to the sink for it (a marker or an error).
			s.deps.Budget.Release(b)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

// handle dispatches one merged binlog.
func (s *Syncer) handle(ctx context.Context, b *binlogpb.Binlog) error {
	ts := b.GetCommitTs()
	switch {
	case s.ignore[ts]:
		s.lg.Warn("skip binlog listed in ignore-txn-commit-ts", zap.Int64("commitTS", ts))
		s.progress.addMarker(ts)
		return nil
	case b.IsFake():
		s.progress.addFakeMarker(ts)
		return nil
	case b.GetDdlJobId() > 0:
		return s.handleDDL(ctx, b)
	}
	return s.handleDML(ctx, b)
}

// send hands an item to the sink and records it as pending.
func (s *Syncer) send(item *sink.Item) error {
	s.progress.sent(item)
	s.lastSent = item.Binlog
	s.deps.Budget.Sent(item.Binlog)
	if err := s.deps.Sink.Sync(item); err != nil {
		return fmt.Errorf("sync item at commit ts %d: %w", item.CommitTS(), err)
	}
	return nil
}

// syncTime is a time read and written from several goroutines.
type syncTime struct {
	mu sync.Mutex
	t  time.Time
}

func (t *syncTime) get() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.t
}

func (t *syncTime) set(v time.Time) {
	t.mu.Lock()
	t.t = v
	t.mu.Unlock()
}
