package collector

import (
	"context"
	"sync"

	"github.com/openbinlog/tidb-binlog/drainer/membudget"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"go.uber.org/zap"
)

// merger emits the binlogs of all its sources in commit-ts order, each only
// once every source has a binlog waiting (SPEC 5.4).
type merger struct {
	lg      *zap.Logger
	metrics *metrics
	budget  *membudget.Budget
	wakeCh  chan struct{}
	// finishing, once closed, makes run return as soon as nothing more can
	// be emitted (see finish).
	finishing chan struct{}
	finishOne sync.Once

	mu       sync.Mutex
	sources  map[string]*source
	latestTS int64
	started  bool // the first pump-list refresh has completed
}

func newMerger(latestTS int64, lg *zap.Logger, m *metrics, budget *membudget.Budget) *merger {
	return &merger{
		lg:        lg,
		metrics:   m,
		budget:    budget,
		wakeCh:    make(chan struct{}, 1),
		finishing: make(chan struct{}),
		sources:   make(map[string]*source),
		latestTS:  latestTS,
	}
}

func (m *merger) wake() {
	select {
	case m.wakeCh <- struct{}{}:
	default:
	}
}

// LatestTS is the commit ts of the last emitted binlog (the initial ts before any).
func (m *merger) LatestTS() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.latestTS
}

// apply changes the set of sources in one step, under the merge lock, and
// marks the merge started. start is called with the latest ts for each
// added source before the merge can see it.
func (m *merger) apply(add []*source, remove []string, start func(id string, ts int64)) {
	m.mu.Lock()
	for _, s := range add {
		start(s.id, m.latestTS)
		m.sources[s.id] = s
	}
	for _, id := range remove {
		if s, ok := m.sources[id]; ok {
			for _, b := range s.remove() {
				m.budget.Release(b)
			}
			delete(m.sources, id)
		}
	}
	m.started = true
	m.mu.Unlock()
	m.wake()
}

// finish makes run return once it has emitted every binlog that the merge
// can still order, instead of waiting for more input.
func (m *merger) finish() { m.finishOne.Do(func() { close(m.finishing) }) }

// run emits to out until ctx ends, or until nothing more can be emitted
// after finish.
func (m *merger) run(ctx context.Context, out chan<- *binlogpb.Binlog) {
	for {
		b, ok := m.next()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-m.finishing:
				return
			case <-m.wakeCh:
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case out <- b:
		}
	}
}

// next takes the binlog to emit, or reports that some source has none yet.
func (m *merger) next() (*binlogpb.Binlog, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for {
		if !m.started || len(m.sources) == 0 {
			return nil, false
		}
		var min *source
		var b *binlogpb.Binlog
		var minTS int64
		for _, s := range m.sources {
			h, ok := s.head()
			if !ok {
				return nil, false
			}
			if min == nil || h.GetCommitTs() < minTS {
				min, b, minTS = s, h, h.GetCommitTs()
			}
		}
		// The budget learns that b left the queue before the queue loses
		// it. In the other order, a pump whose queue was just emptied
		// would for a moment hold only "queued" bytes: the budget's rule
		// for empty queues would then admit a binlog over the budget (a
		// giant) while b is already on its way downstream.
		m.budget.Dequeued(b)
		min.pop()
		switch {
		case minTS < m.latestTS:
			m.metrics.disorder.Inc()
			m.lg.Warn("drop disordered binlog", zap.String("nodeID", min.id),
				zap.Int64("commitTS", minTS), zap.Int64("latestTS", m.latestTS))
			m.budget.Release(b)
		case minTS == m.latestTS:
			m.metrics.disorder.Inc()
			m.lg.Warn("drop duplicate binlog", zap.String("nodeID", min.id), zap.Int64("commitTS", minTS))
			m.budget.Release(b)
		default:
			m.latestTS = minTS
			return b, true
		}
	}
}
