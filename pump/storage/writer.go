package storage

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// Group-commit limits of the value-log writer. A group takes the requests
// already queued, up to maxGroupBytes. (The original also stops at the first
// payload's size + 128 KiB when that payload is small, so that a small write
// does not wait for a large group; but the requests left out then wait for a
// whole further write and sync. Taking them gave 32% more binlogs/s with
// 100 KiB binlogs and 128 writers, and no loss with small ones.)
const maxGroupBytes = 1 << 20

// request is one binlog on its way to the value log. Requests are pooled:
// the writer must not touch one after signaling done.
type request struct {
	h       binlogpb.Header
	payload []byte
	err     error
	seen    uint64        // groups acknowledged when it was queued (kvItem.seen)
	done    chan struct{} // cap 1: written (or failed), or lead set
	lead    bool          // set before done: the request's goroutine leads the next group
}

var requestPool = sync.Pool{New: func() any { return &request{done: make(chan struct{}, 1)} }}

// WriteBinlog stores the binlog payload, whose type and timestamps are h
// (binlogpb.PeekHeader), and returns once it is durable in the value log
// (after fdatasync when SyncLog is on). The storage keeps payload to serve
// readers from memory: the caller must not modify it afterwards. An empty
// probe (start_ts == commit_ts == 0) is accepted without writing. When the
// disk is nearly full, real binlogs get ErrNoAvailableSpace while fake
// binlogs are still accepted.
func (a *Append) WriteBinlog(ctx context.Context, h binlogpb.Header, payload []byte) error {
	if h.IsProbe() {
		if a.isClosed() {
			return ErrClosed
		}
		return nil
	}
	if !h.IsFake() && a.noSpace.Load() {
		a.m.errWrite.Inc()
		return ErrNoAvailableSpace
	}
	return a.write(ctx, h, payload)
}

func (a *Append) write(ctx context.Context, h binlogpb.Header, payload []byte) error {
	t0 := time.Now()
	if err := ctx.Err(); err != nil {
		return err // not queued: a queued request is written whatever its caller does
	}
	r := requestPool.Get().(*request)
	r.h, r.payload, r.err = h, payload, nil
	if err := a.submit(r); err != nil {
		r.payload = nil
		requestPool.Put(r)
		return err
	}
	err := r.err
	r.payload, r.err = nil, nil
	requestPool.Put(r)

	d := time.Since(t0)
	a.m.durSingle.Observe(d.Seconds())
	a.m.sizeSingle.Observe(float64(len(payload)))
	if err != nil {
		a.m.errWrite.Inc()
		return err
	}
	if d > a.opts.SlowWriteThreshold {
		a.lg.Warn("slow write binlog", zap.Duration("duration", d), zap.Int64("startTS", h.StartTs),
			zap.Int64("commitTS", h.CommitTs), zap.Int("size", len(payload)))
	}
	return nil
}

// writeQueue holds the requests waiting for the value-log writer. There is
// no writer goroutine: the goroutine of the first request that finds no
// group being written leads, that is writes the queued requests as one group
// (its own first), and then hands the lead to the oldest request still
// queued, whose goroutine writes the next group. Alone, a request is written
// by its own goroutine, without waking another one and being woken in turn;
// under load, groups form as before while one is being written.
type writeQueue struct {
	mu      sync.Mutex
	pending []*request
	leading bool          // a group is being written, or the lead is being handed over
	closed  bool          // no more requests
	drained chan struct{} // closed by the last leader once closed
	// acked counts the groups written, numbered from 1; it moves before a
	// group's requests are acknowledged (kvItem.group and seen).
	acked atomic.Uint64

	// groupMu is held by the leader around writing and forwarding a group;
	// the slow chaser takes it to stop the writer while it turns off.
	groupMu sync.Mutex
	// leader-owned buffers
	group    []*request
	payloads [][]byte
	ptrs     []valuePointer
	items    []kvItem
}

// submit queues r and returns once it is written (r.err tells how) or
// ErrClosed without queueing it.
func (a *Append) submit(r *request) error {
	q := &a.wq
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return ErrClosed
	}
	r.seen = q.acked.Load()
	q.pending = append(q.pending, r)
	if q.leading {
		q.mu.Unlock()
		<-r.done
		if !r.lead {
			return nil
		}
		r.lead = false
	} else {
		q.leading = true
		q.mu.Unlock()
	}
	a.lead()
	<-r.done // the group held r
	return nil
}

// lead writes one group, the oldest queued request first, then hands the
// lead on (or ends it when nothing is queued).
func (a *Append) lead() {
	q := &a.wq
	q.mu.Lock()
	n, size := 0, 0
	for n < len(q.pending) && (n == 0 || size+len(q.pending[n].payload) <= maxGroupBytes) {
		size += len(q.pending[n].payload)
		n++
	}
	q.group = append(q.group[:0], q.pending[:n]...)
	rest := copy(q.pending, q.pending[n:])
	clear(q.pending[rest:])
	q.pending = q.pending[:rest]
	q.mu.Unlock()

	a.writeGroup(q)
	clear(q.group)
	clear(q.payloads)

	q.mu.Lock()
	if len(q.pending) == 0 {
		q.leading = false
		if q.closed {
			close(q.drained)
		}
		q.mu.Unlock()
		return
	}
	next := q.pending[0]
	q.mu.Unlock()
	next.lead = true
	next.done <- struct{}{}
}

// closeQueue refuses new requests and waits until the queued ones are
// written.
func (a *Append) closeQueue() {
	q := &a.wq
	q.mu.Lock()
	q.closed = true
	busy := q.leading
	if busy {
		q.drained = make(chan struct{})
	}
	q.mu.Unlock()
	if busy {
		<-q.drained
	}
}

// writeGroup writes q.group to the value log, acknowledges its requests and
// forwards the records to the KV writer.
func (a *Append) writeGroup(q *writeQueue) {
	t0 := time.Now()
	q.groupMu.Lock()
	defer q.groupMu.Unlock()
	q.payloads = q.payloads[:0]
	var maxTS int64
	for _, r := range q.group {
		q.payloads = append(q.payloads, r.payload)
		maxTS = max(maxTS, r.h.StartTs, r.h.CommitTs)
	}
	var err error
	q.ptrs, err = a.vlog.write(q.payloads, maxTS, q.ptrs[:0])
	group := q.acked.Load() + 1
	if err != nil {
		a.m.errWriteBatch.Inc()
		a.writeFailures.Fail(err, zap.Int("records", len(q.group)))
	} else {
		a.writeFailures.OK()
		q.acked.Store(group) // before any acknowledgement: see kvItem.seen
	}
	q.items = q.items[:0]
	for i, r := range q.group {
		if err == nil {
			it := newKVItem(r.h, q.ptrs[i])
			it.group, it.seen = group, r.seen
			q.items = append(q.items, it)
		}
		r.err = err
		r.done <- struct{}{}
	}
	a.m.durBatch.Observe(time.Since(t0).Seconds())
	if len(q.items) > 0 {
		a.forward(q.items)
	}
}

// forward hands indexed-to-be items to the KV writer. If the KV queue stays
// full for kvBlockedTimeout, the slow chaser takes over from the first item.
func (a *Append) forward(items []kvItem) {
	if a.chaser.isOn() {
		return
	}
	if a.kvq.tryPush(items) {
		return
	}
	if a.kvq.pushWait(items, nil, time.Now().Add(a.knobs.kvBlockedTimeout)) {
		return
	}
	a.chaser.turnOn(items[0].ptr, items[0].group)
}
