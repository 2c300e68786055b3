package loader

import (
	"context"
	"sync"
)

// budget bounds the bytes of the transactions in flight (accepted but not
// yet reported). One transaction larger than the whole budget is admitted
// alone.
type budget struct {
	mu   sync.Mutex
	cond *sync.Cond
	max  int64
	used int64
}

func newBudget(maxBytes int64) *budget {
	b := &budget{max: maxBytes}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// acquire waits until n bytes fit (or nothing else is held).
func (b *budget) acquire(ctx context.Context, n int64) error {
	stop := context.AfterFunc(ctx, func() {
		b.mu.Lock()
		b.cond.Broadcast()
		b.mu.Unlock()
	})
	defer stop()
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.used > 0 && b.used+n > b.max {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.cond.Wait()
	}
	b.used += n
	return nil
}

// tryAcquire takes n bytes if they fit (or nothing else is held).
func (b *budget) tryAcquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used > 0 && b.used+n > b.max {
		return false
	}
	b.used += n
	return true
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
	b.cond.Broadcast()
}

// txnSize estimates the memory a transaction holds.
func txnSize(txn *Txn) int64 {
	if txn.DDL != nil {
		return int64(128 + len(txn.DDL.SQL))
	}
	n := int64(64)
	for _, d := range txn.DMLs {
		n += 64 + int64(len(d.Database)+len(d.Table))
		for k, v := range d.Values {
			n += int64(len(k)) + int64(valueSize(v))/2 + 16
		}
		for k, v := range d.OldValues {
			n += int64(len(k)) + int64(valueSize(v))/2 + 16
		}
	}
	return n
}
