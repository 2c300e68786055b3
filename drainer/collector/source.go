package collector

import (
	"context"
	"sync"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// item is a binlog waiting in a source, with the size of its payload.
type item struct {
	b    *binlogpb.Binlog
	size int64
}

// source is the queue between one pump's puller and the merge, bounded in
// bytes: a push waits while the queue holds limit bytes or more, except that
// an empty queue takes any binlog, however large.
type source struct {
	id    string
	limit int64
	wake  func() // tells the merge that a binlog arrived

	mu      sync.Mutex
	queue   []item
	bytes   int64
	removed bool
	space   chan struct{} // signalled when bytes are taken out
}

func newSource(id string, limit int64, wake func()) *source {
	return &source{id: id, limit: limit, wake: wake, space: make(chan struct{}, 1)}
}

// push appends it, waiting for room; errSourceRemoved once removed.
func (s *source) push(ctx context.Context, it item) error {
	for {
		s.mu.Lock()
		if s.removed {
			s.mu.Unlock()
			return errSourceRemoved
		}
		if len(s.queue) == 0 || s.bytes+it.size <= s.limit {
			s.queue = append(s.queue, it)
			s.bytes += it.size
			s.mu.Unlock()
			s.wake()
			return nil
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.space:
		}
	}
}

// head returns the first binlog without taking it.
func (s *source) head() (*binlogpb.Binlog, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 {
		return nil, false
	}
	return s.queue[0].b, true
}

// pop takes the first binlog; the queue must not be empty.
func (s *source) pop() *binlogpb.Binlog {
	s.mu.Lock()
	it := s.queue[0]
	s.queue[0] = item{}
	s.queue = s.queue[1:]
	if len(s.queue) == 0 {
		s.queue = nil
	}
	s.bytes -= it.size
	s.mu.Unlock()
	s.signalSpace()
	return it.b
}

// empty reports whether no binlog is queued.
func (s *source) empty() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue) == 0
}

// remove drops the queue and makes push fail; it returns the dropped binlogs.
func (s *source) remove() []*binlogpb.Binlog {
	s.mu.Lock()
	dropped := make([]*binlogpb.Binlog, 0, len(s.queue))
	for _, it := range s.queue {
		dropped = append(dropped, it.b)
	}
	s.removed = true
	s.queue, s.bytes = nil, 0
	s.mu.Unlock()
	s.signalSpace()
	return dropped
}

func (s *source) signalSpace() {
	select {
	case s.space <- struct{}{}:
	default:
	}
}
