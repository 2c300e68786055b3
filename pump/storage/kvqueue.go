package storage

import (
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// kvItem is what the KV writer indexes and then hands to the sorter.
type kvItem struct {
	start, commit int64
	tp            binlogpb.BinlogType
	ptr           valuePointer
	// group is the number of the write group that made the record durable
	// (groups are numbered from 1 since Open); seen is the number of groups
	// acknowledged before the record's request was queued. The sorter uses
	// them to tell which unmatched prewrites can still get a commit below
	// this record's (see sorter.process). Records read back from the value
	// log (re-feed, slow chaser) take the safe values: group 0 or the first
	// group the chaser re-reads, seen noGroupSeen.
	group, seen uint64
	// published is the watermark published when the sorter received the
	// item (set by sorter.push): a commit below it may have been missed by
	// pullers.
	published int64
}

// noGroupSeen is the seen of a record whose request is unknown: every
// unmatched prewrite before it may still get a commit below it.
const noGroupSeen = ^uint64(0)

func newKVItem(h binlogpb.Header, p valuePointer) kvItem {
	return kvItem{start: h.StartTs, commit: h.CommitTs, tp: h.Tp, ptr: p, seen: noGroupSeen}
}

func (it kvItem) key() int64 {
	return indexKey(binlogpb.Header{Tp: it.tp, StartTs: it.start, CommitTs: it.commit})
}

// itemOfRecord is the queue item of a value-log record read back (by the
// re-feed at open and by the slow chaser); false for a record that is not
// indexed: an empty probe, or an undecodable payload (logged).
func itemOfRecord(lg *zap.Logger, p valuePointer, payload []byte) (kvItem, bool) {
	h, err := binlogpb.PeekHeader(payload)
	if err != nil {
		lg.Error("skip undecodable binlog", zap.Uint32("fid", p.fid), zap.Int64("offset", p.offset), zap.Error(err))
		return kvItem{}, false
	}
	if h.IsProbe() {
		return kvItem{}, false
	}
	return newKVItem(h, p), true
}

// kvQueue is the bounded queue between the value-log writer (or the slow
// chaser) and the KV writer. It moves items in groups.
type kvQueue struct {
	mu       sync.Mutex
	items    []kvItem
	head     int
	capacity int
	closed   bool
	notEmpty chan struct{} // cap 1
	notFull  chan struct{} // cap 1
}

func newKVQueue(capacity int) *kvQueue {
	return &kvQueue{capacity: capacity, notEmpty: make(chan struct{}, 1), notFull: make(chan struct{}, 1)}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// tryPush appends all items if they fit (an empty queue takes any group).
func (q *kvQueue) tryPush(items []kvItem) bool {
	q.mu.Lock()
	n := len(q.items) - q.head
	if n > 0 && n+len(items) > q.capacity {
		q.mu.Unlock()
		return false
	}
	q.items = append(q.items, items...)
	q.mu.Unlock()
	signal(q.notEmpty)
	return true
}

// pushWait retries tryPush until it succeeds, cancel is closed or the
// deadline (zero: none) passes.
func (q *kvQueue) pushWait(items []kvItem, cancel <-chan struct{}, deadline time.Time) bool {
	var timeout <-chan time.Time
	if !deadline.IsZero() {
		t := time.NewTimer(time.Until(deadline))
		defer t.Stop()
		timeout = t.C
	}
	for !q.tryPush(items) {
		select {
		case <-q.notFull:
		case <-cancel:
			return false
		case <-timeout:
			return false
		}
	}
	return true
}

// pop moves up to n items into dst, blocking while the queue is empty. It
// returns false once the queue is closed and drained.
func (q *kvQueue) pop(dst []kvItem, n int) ([]kvItem, bool) {
	for {
		q.mu.Lock()
		avail := len(q.items) - q.head
		if avail > 0 {
			k := min(n, avail)
			dst = append(dst, q.items[q.head:q.head+k]...)
			q.head += k
			if q.head == len(q.items) {
				q.items, q.head = q.items[:0], 0
			} else if q.head > 4096 && q.head*2 > len(q.items) {
				q.items = append(q.items[:0], q.items[q.head:]...)
				q.head = 0
			}
			q.mu.Unlock()
			signal(q.notFull)
			return dst, true
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return dst, false
		}
		<-q.notEmpty
	}
}

func (q *kvQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	signal(q.notEmpty)
}
