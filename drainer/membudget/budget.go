package membudget

import (
	"context"
	"sync"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// charge is what one binlog holds of the budget.
type charge struct {
	n      int64
	queued bool // still in a pump's queue, before the merge
	sent   bool // handed to the sink
}

// Budget bounds the bytes of the binlogs in flight. A nil *Budget accounts
// nothing and never waits.
type Budget struct {
	max int64

	mu     sync.Mutex
	cond   *sync.Cond
	used   int64
	queued int64
	sent   int64 // bytes of the binlogs handed to the sink
	held   map[*binlogpb.Binlog]charge
}

// New returns a budget of maxBytes (at least 1).
func New(maxBytes int64) *Budget {
	b := &Budget{max: max(maxBytes, 1), held: make(map[*binlogpb.Binlog]charge)}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// Max is the budget's size.
func (b *Budget) Max() int64 {
	if b == nil {
		return 0
	}
	return b.max
}

// Used is the number of bytes held.
func (b *Budget) Used() int64 {
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// Acquire waits until bl's n bytes fit and charges them to bl as queued.
// queueEmpty reports whether the caller's pump queue is empty (called with
// the budget locked: it must not call into the budget). n bytes fit when
// used+n <= max, when nothing is held, or when the queue is empty and every
// byte held is queued before the merge.
func (b *Budget) Acquire(ctx context.Context, bl *binlogpb.Binlog, n int64, queueEmpty func() bool) error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var w waiter
	defer w.done()
	for !b.fits(n, queueEmpty) {
		if err := w.wait(ctx, b); err != nil {
			return err
		}
	}
	c := b.held[bl]
	c.n += n
	c.queued = true
	b.held[bl] = c
	b.used += n
	b.queued += n
	return nil
}

func (b *Budget) fits(n int64, queueEmpty func() bool) bool {
	if b.used == 0 || b.used+n <= b.max {
		return true
	}
	return b.used == b.queued && queueEmpty != nil && queueEmpty()
}

// Dequeued records that bl left its pump's queue (the merge took it).
func (b *Budget) Dequeued(bl *binlogpb.Binlog) {
	if b == nil {
		return
	}
	b.mu.Lock()
	c, ok := b.held[bl]
	if ok && c.queued {
		c.queued = false
		b.held[bl] = c
		b.queued -= c.n
	}
	b.mu.Unlock()
	if ok {
		b.cond.Broadcast()
	}
}

// Grow waits until bl's charge can become n bytes, and sets it: n fits when
// used-charge+n <= max, or when nothing is in the sink (only the sink's
// confirmations free bytes without the caller's help: the binlogs queued
// before or after the merge wait for the caller). bl must not be in the
// sink yet. It does nothing for a binlog not charged.
func (b *Budget) Grow(ctx context.Context, bl *binlogpb.Binlog, n int64) error {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var w waiter
	defer w.done()
	for {
		c, ok := b.held[bl]
		if !ok {
			return nil
		}
		others := b.used - c.n
		if n <= c.n || others+n <= b.max || b.sent == 0 {
			b.recharge(bl, c, n)
			return nil
		}
		if err := w.wait(ctx, b); err != nil {
			return err
		}
	}
}

// Sent records that bl was handed to the sink, whose confirmation will
// release it.
func (b *Budget) Sent(bl *binlogpb.Binlog) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.held[bl]; ok && !c.sent {
		c.sent = true
		b.held[bl] = c
		b.sent += c.n
	}
}

// Resize sets bl's charge to n bytes without waiting: the syncer accounts
// what a decoded transaction really holds. It does nothing for a binlog not
// charged.
func (b *Budget) Resize(bl *binlogpb.Binlog, n int64) {
	if b == nil {
		return
	}
	b.mu.Lock()
	c, ok := b.held[bl]
	if ok {
		b.recharge(bl, c, n)
	}
	b.mu.Unlock()
	if ok {
		b.cond.Broadcast()
	}
}

// recharge moves bl's charge c to n bytes in every total that counts it.
// b.mu is held.
func (b *Budget) recharge(bl *binlogpb.Binlog, c charge, n int64) {
	d := n - c.n
	b.used += d
	if c.queued {
		b.queued += d
	}
	if c.sent {
		b.sent += d
	}
	c.n = n
	b.held[bl] = c
}

// Release frees bl's bytes (the downstream confirmed it, or it was dropped).
func (b *Budget) Release(bl *binlogpb.Binlog) {
	if b == nil {
		return
	}
	b.mu.Lock()
	c, ok := b.held[bl]
	if ok {
		delete(b.held, bl)
		b.used -= c.n
		if c.queued {
			b.queued -= c.n
		}
		if c.sent {
			b.sent -= c.n
		}
	}
	b.mu.Unlock()
	if ok {
		b.cond.Broadcast()
	}
}

func (b *Budget) broadcast() {
	b.mu.Lock()
	b.cond.Broadcast()
	b.mu.Unlock()
}

// waiter waits on the budget's condition until ctx ends. The wake-up on
// ctx's end is registered at the first wait only: most calls fit at once,
// and registering it on every call was an allocation and a lock of ctx
// per binlog, twice.
type waiter struct {
	stop func() bool
}

// wait returns ctx's error, or waits for a change of the budget (b.mu held).
func (w *waiter) wait(ctx context.Context, b *Budget) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if w.stop == nil {
		// If ctx ended since the check, broadcast runs at once and blocks
		// on b.mu until Wait releases it: the end is not missed.
		w.stop = context.AfterFunc(ctx, b.broadcast)
	}
	b.cond.Wait()
	return nil
}

// done unregisters the wake-up, if any.
func (w *waiter) done() {
	if w.stop != nil {
		w.stop()
	}
}
