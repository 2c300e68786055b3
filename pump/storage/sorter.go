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
// processed strictly in value-log order; a commit waits for every unmatched
// prewrite before it that could still get a commit below its own (see
// process), so the watermark never passes the commit of an unmatched
// prewrite.
type sorter struct {
	cb sorterCallbacks

	mu          sync.Mutex
	queue       []kvItem
	head        int
	waiting     map[int64]struct{} // start_ts of prewrites without C/rollback
	inputClosed bool
	notify      chan struct{} // cap 1: signaled by push, closeInput and dropPrewrite
	published   int64         // the watermark published last (kvItem.published)
	// pend holds the unmatched prewrites processed so far, in value-log
	// (and so group) order, from pendHead on; matched ones leave from the
	// front.
	pend     []kvItem
	pendHead int

	// owned by the goroutine calling process
	max           int64
	handle        valuePointer
	blocked       kvItem // the oldest unmatched prewrite, when blockedSet
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
		published: maxCommitTS, max: maxCommitTS, handle: handle, indexedBefore: indexedBefore}
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
		it.published = s.published
		s.queue = append(s.queue, it)
	}
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

// blocker returns the oldest unmatched prewrite (the one the next commits
// wait for, or will) and since when it is the oldest, if it is still
// unmatched.
func (s *sorter) blocker() (kvItem, time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.blockedSet {
		return kvItem{}, time.Time{}, false
	}
	_, waiting := s.waiting[s.blocked.start]
	return s.blocked, s.blockedSince, waiting
}

// state is the watermark and the pointer from which a re-feed at open
// rebuilds the sorter: the record that moved the watermark last, or the
// oldest unmatched prewrite if that is before it.
func (s *sorter) state() (int64, valuePointer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.oldestPending(); ok && p.ptr.less(s.handle) {
		return s.max, p.ptr
	}
	return s.max, s.handle
}

// process pops every item it can and publishes the new watermark. It
// reports whether the input is closed and nothing more can be processed.
//
// An unmatched prewrite is set aside (pend), and a commit (or fake binlog)
// waits while one set aside could still get a commit below its own: one
// acknowledged before the commit's request was queued (group <= seen).
// TiDB asks for a commit_ts only after its prewrite is acknowledged, so a
// prewrite acknowledged after the commit was queued gets a larger commit_ts
// than that commit's, which was taken before it was queued. Such prewrites
// made every commit of their group and the next one wait (one more group
// write and sync after theirs) for no reason. Records read back from the
// value log know no groups and wait for every unmatched prewrite before
// them, the original rule.
//
// A commit below the watermark is normal when it was indexed before that
// watermark was published (commits of concurrent transactions arrive in
// any order, and all of them are served). A commit indexed after a larger
// watermark was published is not served to pullers that already passed it:
// that is counted and reported (see servedLate for the items that are not
// a problem).
func (s *sorter) process() bool {
	advanced, late, stuck := false, 0, false
	var lateBelow int64
	s.mu.Lock()
	for s.head < len(s.queue) {
		it := s.queue[s.head]
		if it.tp == binlogpb.BinlogType_Prewrite {
			if _, wait := s.waiting[it.start]; wait {
				s.pend = append(s.pend, it)
			}
		} else if p, ok := s.oldestPending(); ok && p.group <= it.seen {
			stuck = true
			break
		} else if it.commit > s.max {
			s.max, s.handle, advanced = it.commit, it.ptr, true
		} else if it.commit < it.published && s.servedLate(it) {
			late, lateBelow = late+1, it.published
		}
		s.head++
	}
	s.compact()
	if p, ok := s.oldestPending(); ok {
		s.setBlocked(p)
	} else {
		s.blockedSet = false
	}
	finished := s.inputClosed && (s.head == len(s.queue) || stuck)
	s.mu.Unlock()
	if late > 0 && s.cb.late != nil {
		s.cb.late(late, lateBelow)
	}
	if advanced {
		if s.cb.publish != nil {
			s.cb.publish(s.max)
		}
		// only now: an item indexed before the publish is not late
		s.mu.Lock()
		s.published = s.max
		s.mu.Unlock()
	}
	return finished
}

// oldestPending drops the matched prewrites from the front of pend and
// returns the oldest unmatched one; the caller holds mu. As pend is in group
// order, no unmatched prewrite behind it has a smaller group.
func (s *sorter) oldestPending() (kvItem, bool) {
	for s.pendHead < len(s.pend) {
		p := s.pend[s.pendHead]
		if _, wait := s.waiting[p.start]; wait {
			return p, true
		}
		s.pendHead++
	}
	return kvItem{}, false
}

// compact reclaims the popped space of queue and pend; the caller holds mu.
func (s *sorter) compact() {
	if s.head == len(s.queue) {
		s.queue, s.head = s.queue[:0], 0
	} else if s.head > 4096 && s.head*2 > len(s.queue) {
		s.queue = append(s.queue[:0], s.queue[s.head:]...)
		s.head = 0
	}
	if s.pendHead == len(s.pend) {
		s.pend, s.pendHead = s.pend[:0], 0
	} else if s.pendHead > 1024 && s.pendHead*2 > len(s.pend) {
		s.pend = append(s.pend[:0], s.pend[s.pendHead:]...)
		s.pendHead = 0
	}
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
