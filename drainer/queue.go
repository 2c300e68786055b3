package drainer

import (
	"context"
	"sync"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// byteQueue is the syncer's input queue, bounded both in binlogs (the
// original's cache-binlog-count) and in bytes of prewrite values, so that
// big transactions do not pile up in memory. One binlog is always admitted
// into an empty queue, whatever its size.
type byteQueue struct {
	maxItems int
	maxBytes int64

	mu     sync.Mutex
	cond   *sync.Cond
	items  []*binlogpb.Binlog
	bytes  int64
	closed bool
}

func newByteQueue(maxItems int, maxBytes int64) *byteQueue {
	q := &byteQueue{maxItems: max(maxItems, 1), maxBytes: max(maxBytes, 1)}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func binlogSize(b *binlogpb.Binlog) int64 {
	return int64(len(b.GetPrewriteValue()) + len(b.GetDdlQuery()) + 64)
}

// push blocks until b fits or the queue is closed; it reports false when closed.
func (q *byteQueue) push(b *binlogpb.Binlog) bool {
	size := binlogSize(b)
	q.mu.Lock()
	defer q.mu.Unlock()
	for !q.closed && len(q.items) > 0 && (len(q.items) >= q.maxItems || q.bytes+size > q.maxBytes) {
		q.cond.Wait()
	}
	if q.closed {
		return false
	}
	q.items = append(q.items, b)
	q.bytes += size
	q.cond.Broadcast()
	return true
}

// pop blocks until a binlog is queued; it returns nil once closed and empty.
func (q *byteQueue) pop() *binlogpb.Binlog {
	q.mu.Lock()
	defer q.mu.Unlock()
	for !q.closed && len(q.items) == 0 {
		q.cond.Wait()
	}
	if len(q.items) == 0 {
		return nil
	}
	b := q.items[0]
	q.items[0] = nil
	q.items = q.items[1:]
	q.bytes -= binlogSize(b)
	q.cond.Broadcast()
	return b
}

func (q *byteQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}

// close wakes every waiter; queued binlogs can still be popped.
func (q *byteQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

// feed copies in into q until in closes or ctx ends, then closes q.
func (q *byteQueue) feed(ctx context.Context, in <-chan *binlogpb.Binlog) {
	defer q.close()
	for {
		select {
		case <-ctx.Done():
			return
		case b, ok := <-in:
			if !ok || !q.push(b) {
				return
			}
		}
	}
}
