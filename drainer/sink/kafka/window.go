package kafka

import (
	"sync"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
)

// pending is one item in the ack window.
type pending struct {
	item  *sink.Item
	size  int64
	parts int // messages not yet acknowledged
	acked bool
}

// window holds the items handed to Sync that are not yet reported, in send
// order, and the bytes of those not yet acknowledged.
type window struct {
	mu       sync.Mutex
	queue    []*pending
	unacked  int   // entries not yet acknowledged
	bytes    int64 // their message bytes
	lastTS   int64 // commit ts of the last tracked item
	lastAck  time.Time
	resume   chan struct{} // closed when bytes drop to the limit
	maxBytes int64
}

func newWindow(maxBytes int64) *window {
	return &window{maxBytes: maxBytes, lastAck: time.Now()}
}

// track adds an item. ok is false for a replay (commit ts not above the last
// tracked one), which is not tracked. When the window is over its byte
// limit with more than one message pending, stall is a channel that is
// closed once it drops back.
func (w *window) track(item *sink.Item, size int64, acked bool) (p *pending, stall <-chan struct{}, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ts := item.CommitTS()
	if ts <= w.lastTS {
		return nil, nil, false
	}
	w.lastTS = ts
	p = &pending{item: item, size: size, parts: 1, acked: acked}
	if !acked {
		if w.unacked == 0 {
			w.lastAck = time.Now()
		}
		w.unacked++
		w.bytes += size
	}
	w.queue = append(w.queue, p)
	if w.bytes > w.maxBytes && w.unacked > 1 {
		if w.resume == nil {
			w.resume = make(chan struct{})
		}
		stall = w.resume
	}
	return p, stall, true
}

// setParts says how many messages carry p (one per partition written).
func (w *window) setParts(p *pending, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p.parts = n
}

// ack records one acknowledged message of p and returns the items now
// reportable, in order; p is acknowledged with its last message.
func (w *window) ack(p *pending) []*sink.Item {
	w.mu.Lock()
	defer w.mu.Unlock()
	if p != nil && !p.acked {
		p.parts--
	}
	if p != nil && !p.acked && p.parts <= 0 {
		p.acked = true
		w.unacked--
		w.bytes -= p.size
		w.lastAck = time.Now()
		if w.resume != nil && (w.bytes <= w.maxBytes || w.unacked <= 1) {
			close(w.resume)
			w.resume = nil
		}
	}
	var out []*sink.Item
	n := 0
	for n < len(w.queue) && w.queue[n].acked {
		out = append(out, w.queue[n].item)
		n++
	}
	w.queue = w.queue[n:]
	return out
}

// markAcked acknowledges every message of p without reporting anything (a
// later ack(nil) reports it).
func (w *window) markAcked(p *pending) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if p == nil || p.acked {
		return
	}
	p.parts = 0
	p.acked = true
	w.unacked--
	w.bytes -= p.size
	w.lastAck = time.Now()
	if w.resume != nil && (w.bytes <= w.maxBytes || w.unacked <= 1) {
		close(w.resume)
		w.resume = nil
	}
}

// stalled reports whether messages have been pending without any
// acknowledgement for longer than d, with the oldest pending commit ts.
func (w *window) stalled(d time.Duration) (oldestTS int64, n int, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.unacked == 0 || time.Since(w.lastAck) <= d {
		return 0, 0, false
	}
	for _, p := range w.queue {
		if !p.acked {
			return p.item.CommitTS(), w.unacked, true
		}
	}
	return 0, w.unacked, true
}

// pendingBytes is the unacknowledged bytes (for tests and metrics).
func (w *window) pendingBytes() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bytes
}
