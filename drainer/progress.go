package drainer

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"go.uber.org/zap"
)

// marker is a commit ts that carries nothing for the sink (a fake binlog,
// an ignored or fully filtered txn). It may advance the checkpoint once
// every item sent before it has succeeded: seq is the number of items sent
// before it.
type marker struct {
	ts  int64
	seq uint64
}

// progress tracks what the sink confirmed and saves the checkpoint (SPEC
// 5.6, "checkpoint saving"): lastTS is the largest commit ts confirmed or
// released; it is saved when it grew and SaveInterval passed, or the
// confirmed item is a DDL or carries an AppliedTS. Save errors are fatal.
//
// Unlike the original, which keeps one fake marker per 3 s of commit time,
// consecutive markers with no item between them are merged into one (the
// newest ts), so the queue is bounded by the items in flight and the
// checkpoint can follow an idle upstream closely.
type progress struct {
	cp       checkpointSaver
	interval time.Duration
	lg       *zap.Logger
	m        *metrics

	mu        sync.Mutex
	sentN     uint64
	doneN     uint64
	sendTimes []time.Time
	markers   []marker
	lastTS    int64
	version   int64
	appliedTS int64
	lastSave  time.Time

	saved atomic.Int64
}

func newProgress(cp checkpointSaver, interval time.Duration, lg *zap.Logger, m *metrics) *progress {
	p := &progress{cp: cp, interval: interval, lg: lg, m: m, lastSave: time.Now()}
	p.lastTS = cp.TS()
	p.version = cp.SchemaVersion()
	p.saved.Store(p.lastTS)
	return p
}

func (p *progress) savedTS() int64 { return p.saved.Load() }

// lastTSValue is the largest commit ts confirmed or released.
func (p *progress) lastTSValue() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lastTS
}

// sent records an item handed to the sink.
func (p *progress) sent(*sink.Item) {
	p.mu.Lock()
	p.sentN++
	p.sendTimes = append(p.sendTimes, time.Now())
	p.mu.Unlock()
}

// addMarker queues ts behind the items sent so far, or advances at once
// when they have all succeeded.
func (p *progress) addMarker(ts int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.doneN >= p.sentN {
		p.advance(ts)
		return
	}
	if n := len(p.markers); n > 0 && p.markers[n-1].seq == p.sentN {
		p.markers[n-1].ts = max(p.markers[n-1].ts, ts)
		return
	}
	p.markers = append(p.markers, marker{ts: ts, seq: p.sentN})
}

// addFakeMarker is addMarker for a fake binlog.
func (p *progress) addFakeMarker(ts int64) { p.addMarker(ts) }

func (p *progress) advance(ts int64) {
	if ts > p.lastTS {
		p.lastTS = ts
	}
}

// done records a confirmed item, releases the markers behind it and saves
// the checkpoint when the rules say so.
func (p *progress) done(item *sink.Item) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.doneN++
	if len(p.sendTimes) > 0 {
		p.m.executeDuration.Observe(time.Since(p.sendTimes[0]).Seconds())
		p.sendTimes[0] = time.Time{}
		p.sendTimes = p.sendTimes[1:]
	}
	p.advance(item.CommitTS())
	p.version = max(p.version, item.SchemaVersion)
	if item.AppliedTS > 0 {
		p.appliedTS = item.AppliedTS
	}
	for len(p.markers) > 0 && p.markers[0].seq <= p.doneN {
		p.advance(p.markers[0].ts)
		p.markers = p.markers[1:]
	}
	force := item.IsDDL() || item.AppliedTS > 0
	return p.saveLocked(force, false)
}

// tick saves a grown lastTS once SaveInterval passed without a save.
func (p *progress) tick() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.saveLocked(false, false)
}

// saveFinal saves lastTS as consistent (a clean stop, everything confirmed).
func (p *progress) saveFinal() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.saveLocked(true, true)
}

func (p *progress) saveLocked(force, consistent bool) error {
	if !consistent && p.lastTS <= p.saved.Load() {
		return nil
	}
	if !force && time.Since(p.lastSave) < p.interval {
		return nil
	}
	secondary := int64(0)
	if p.appliedTS > 0 {
		secondary, p.appliedTS = p.appliedTS, 0
	}
	if err := p.cp.Save(p.lastTS, secondary, consistent, p.version); err != nil {
		p.m.errors.WithLabelValues("checkpoint").Inc()
		return fmt.Errorf("save checkpoint at commit ts %d: %w", p.lastTS, err)
	}
	p.lastSave = time.Now()
	p.saved.Store(p.lastTS)
	p.m.events.WithLabelValues("savepoint").Inc()
	p.m.checkpointTSO.Set(float64(pd.ExtractPhysical(p.lastTS)))
	p.m.checkpointDelay.Set(time.Since(pd.TSToTime(p.lastTS)).Seconds())
	if consistent {
		p.lg.Info("saved the final checkpoint", zap.Int64("commitTS", p.lastTS), zap.Bool("consistent", true))
	}
	return nil
}

// handleSuccesses consumes the sink's confirmations until it closes them.
func (s *Syncer) handleSuccesses() error {
	t := time.NewTicker(s.opts.SaveInterval)
	defer t.Stop()
	succ := s.deps.Sink.Successes()
	for {
		select {
		case item, ok := <-succ:
			if !ok {
				return nil
			}
			s.lastActivity.set(time.Now())
			if item.IsDDL() {
				s.m.ddlJobs.Inc()
				s.m.events.WithLabelValues("DDL").Inc()
			}
			s.deps.Budget.Release(item.Binlog)
			if err := s.progress.done(item); err != nil {
				return err
			}
		case <-t.C:
			if err := s.progress.tick(); err != nil {
				return err
			}
		}
	}
}
