package pumpclient

import (
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// Strategy names accepted by NewPumpsClient (TiDB's binlog.strategy).
const (
	Range     = "range"
	Hash      = "hash"
	Score     = "score"
	LocalUnix = "local unix"
)

// pumpSelector chooses the pump of a prewrite binlog. Commit and rollback
// binlogs never go through it: they follow their prewrite (tsMap).
type pumpSelector interface {
	// setPumps replaces the candidates (the available pumps).
	setPumps(pumps []*pumpNode)
	// selectPump returns the pump for attempt number retry of b, or nil.
	selectPump(b *binlogpb.Binlog, retry int) *pumpNode
}

// newSelector returns the selector of a strategy; unknown names fall back
// to range with a warning.
func newSelector(strategy string, lg *zap.Logger) pumpSelector {
	switch strategy {
	case Range:
		return &rangeSelector{}
	case Hash:
		return &hashSelector{}
	case Score:
		return &scoreSelector{}
	case LocalUnix:
		return &localSelector{}
	default:
		lg.Warn("unknown pump selection strategy, using range", zap.String("strategy", strategy))
		return &rangeSelector{}
	}
}

// sortedPumps returns pumps ordered by node id, so every selector sees a
// deterministic order (the original built it from map iteration).
func sortedPumps(pumps []*pumpNode) []*pumpNode {
	out := slices.Clone(pumps)
	slices.SortFunc(out, func(a, b *pumpNode) int { return strings.Compare(a.nodeID, b.nodeID) })
	return out
}

// rangeSelector is round-robin; the position restarts at the first pump
// whenever the set changes.
type rangeSelector struct {
	mu     sync.Mutex
	pumps  []*pumpNode
	offset int
}

var _ pumpSelector = (*rangeSelector)(nil)

func (r *rangeSelector) setPumps(pumps []*pumpNode) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pumps = sortedPumps(pumps)
	r.offset = 0
}

func (r *rangeSelector) selectPump(_ *binlogpb.Binlog, _ int) *pumpNode {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pumps) == 0 {
		return nil
	}
	if r.offset >= len(r.pumps) {
		r.offset = 0
	}
	p := r.pumps[r.offset]
	r.offset++
	return p
}

// hashSelector picks pumps[(fnv32a(start_ts) + retry) % n] over the pumps
// sorted by node id, so the same start_ts maps to the same pump in every
// client that sees the same set.
type hashSelector struct {
	mu    sync.RWMutex
	pumps []*pumpNode
}

var _ pumpSelector = (*hashSelector)(nil)

func (h *hashSelector) setPumps(pumps []*pumpNode) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pumps = sortedPumps(pumps)
}

func (h *hashSelector) selectPump(b *binlogpb.Binlog, retry int) *pumpNode {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := len(h.pumps)
	if n == 0 {
		return nil
	}
	idx := (uint64(hashTS(b.GetStartTs())) + uint64(max(retry, 0))) % uint64(n)
	return h.pumps[idx]
}

func hashTS(ts int64) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(strconv.FormatInt(ts, 10)))
	return h.Sum32()
}

// scoreSelector picks among the pumps with the highest registry score,
// round-robin between equals. The original was a stub that never chose a
// pump; pumps publish score 0, so in practice this behaves like range.
type scoreSelector struct {
	mu     sync.Mutex
	pumps  []*pumpNode
	offset int
}

var _ pumpSelector = (*scoreSelector)(nil)

func (s *scoreSelector) setPumps(pumps []*pumpNode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pumps = sortedPumps(pumps)
	s.offset = 0
}

func (s *scoreSelector) selectPump(_ *binlogpb.Binlog, _ int) *pumpNode {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best []*pumpNode
	var bestScore int64
	for _, p := range s.pumps {
		sc := p.Status().Score
		switch {
		case len(best) == 0 || sc > bestScore:
			best, bestScore = []*pumpNode{p}, sc
		case sc == bestScore:
			best = append(best, p)
		}
	}
	if len(best) == 0 {
		return nil
	}
	p := best[s.offset%len(best)]
	s.offset++
	return p
}

// localSelector always returns the single local pump.
type localSelector struct {
	mu   sync.RWMutex
	pump *pumpNode
}

var _ pumpSelector = (*localSelector)(nil)

func (l *localSelector) setPumps(pumps []*pumpNode) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pump = nil
	if len(pumps) > 0 {
		l.pump = pumps[0]
	}
}

func (l *localSelector) selectPump(_ *binlogpb.Binlog, _ int) *pumpNode {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.pump
}
