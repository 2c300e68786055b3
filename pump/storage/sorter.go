package storage

import (
	"sync"
	"time"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// sorter computes the watermark (maxCommitTS). It is a pure state machine:
// push appends indexed items, process pops what it can and reports through
// its callbacks; it does no I/O, so a test can drive it without an engine
// (the engine's loop, sortloop.go, persists, resolves and writes). Items are
// processed strictly in value-log order; a prewrite whose commit (or
// rollback) has not arrived blocks the queue, so the watermark never passes
// an unmatched prewrite.
type sorter struct {
	cb sorterCallbacks

	mu          sync.Mutex
	queue       []kvItem
	head        int
	waiting     map[int64]struct{} // start_ts of prewrites without C/rollback
	inputClosed bool
	notify      chan struct{} // cap 1: signaled by push, closeInput and dropPrewrite

	// owned by the goroutine calling process
	max           int64
	handle        valuePointer
	blocked       kvItem // the prewrite blocking the front, when blockedSet
	blockedSet    bool
	blockedSince  time.Time
	indexedBefore valuePointer // records up to here were indexed before Open
}

// sorterCallbacks are how the sorter reports; each may be nil.
type sorterCallbacks struct {
	// publish: the watermark moved to maxCommitTS.
	publish func(maxCommitTS int64)
	// late: count commits came out below the watermark published before
	// (see servedLate).
	late func(count int, published int64)
	// now is the clock of blockedSince (nil: time.Now).
	now func() time.Time
}

func newSorter(maxCommitTS int64, handle, indexedBefore valuePointer, cb sorterCallbacks) *sorter {
	if cb.now == nil {
		cb.now = time.Now
	}
	return &sorter{cb: cb, waiting: make(map[int64]struct{}), notify: make(chan struct{}, 1),
		max: maxCommitTS, handle: handle, indexedBefore: indexedBefore}
}

// push appends indexed items in arrival order.
func (s *sorter) push(items []kvItem) {
	s.mu.Lock()
	for _, it := range items {
		if it.tp == binlogpb.BinlogType_Prewrite {
			s.waiting[it.start] = struct{}{}
		} else {
			delete(s.waiting, it.start)
		}
	}
	s.queue = append(s.queue, items...)
	s.mu.Unlock()
	signal(s.notify)
}

// closeInput tells that nothing more will be pushed.
func (s *sorter) closeInput() {
	s.mu.Lock()
	s.inputClosed = true
	s.mu.Unlock()
	signal(s.notify)
}

// allMatched reports whether every prewrite pushed has its commit or
// rollback.
func (s *sorter) allMatched() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.waiting) == 0
}

// dropPrewrite forgets the prewrite of start (its transaction was rolled
// back without a rollback binlog): it no longer blocks.
func (s *sorter) dropPrewrite(start int64) {
	s.mu.Lock()
	delete(s.waiting, start)
	s.mu.Unlock()
	signal(s.notify)
}

// blocker returns the prewrite blocking the front and since when, if it is
// still unmatched.
func (s *sorter) blocker() (kvItem, time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.blockedSet {
		return kvItem{}, time.Time{}, false
	}
	_, waiting := s.waiting[s.blocked.start]
	return s.blocked, s.blockedSince, waiting
}

// state is the watermark and the pointer of the record that moved it last.
func (s *sorter) state() (int64, valuePointer) { return s.max, s.handle }

// process pops every item it can and publishes the new watermark. It
// reports whether the input is closed and nothing more can be processed.
//
// A commit below the watermark is normal when it comes out in the same call
// as a larger one (commits of concurrent transactions arrive in any order,
// and all of them are served once the watermark is published). A commit
// below the watermark published before this call is not served to pullers
// that already passed it: that is counted and reported (see servedLate for
// the items that are not a problem).
func (s *sorter) process() bool {
	advanced, late := false, 0
	published := s.max
	s.mu.Lock()
	for s.head < len(s.queue) {
		it := s.queue[s.head]
		if it.tp == binlogpb.BinlogType_Prewrite {
			if _, wait := s.waiting[it.start]; wait {
				s.setBlocked(it)
				break
			}
		} else if it.commit > s.max {
			s.max, s.handle, advanced = it.commit, it.ptr, true
		} else if it.commit < published && s.servedLate(it) {
			late++
		}
		s.head++
	}
	if s.head == len(s.queue) {
		s.queue, s.head = s.queue[:0], 0
		s.blockedSet = false
	} else if s.head > 4096 && s.head*2 > len(s.queue) {
		s.queue = append(s.queue[:0], s.queue[s.head:]...)
		s.head = 0
	}
	finished := s.inputClosed && (s.head == len(s.queue) || s.blockedSet)
	s.mu.Unlock()
	if late > 0 && s.cb.late != nil {
		s.cb.late(late, published)
	}
	if advanced && s.cb.publish != nil {
		s.cb.publish(s.max)
	}
	return finished
}

// servedLate reports whether a non-prewrite item below the published
// watermark is a commit some puller may have missed. A TiDB transaction's
// prewrite is stored before its commit_ts is taken, so that prewrite blocks
// every commit with a larger commit_ts until its own commit arrives: a
// commit can come out late only if TiDB broke that order. Not a problem
// (and not counted): a rollback (commit_ts 0); a fake binlog, a watermark
// whose ts was taken before a concurrent commit got a larger one and was
// stored first; and an item re-fed at open that was indexed, and served,
// before (at or before the head pointer of the last run).
func (s *sorter) servedLate(it kvItem) bool {
	return it.commit != 0 && it.start != it.commit && s.indexedBefore.less(it.ptr)
}

// setBlocked records the prewrite blocking the front; the caller holds mu.
func (s *sorter) setBlocked(it kvItem) {
	if s.blockedSet && s.blocked.start == it.start {
		return
	}
	s.blocked, s.blockedSet, s.blockedSince = it, true, s.cb.now()
}
