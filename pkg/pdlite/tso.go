package pdlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// TSO layout: physical milliseconds << 18 | logical.
const (
	logicalBits = 18
	maxLogical  = 1 << logicalBits // logical values are < maxLogical

	// saveWindow is how far ahead of the served physical time the bound is persisted.
	saveWindow = 3 * time.Second
	// saveGuard: the bound is extended when the next physical time comes this close to it.
	saveGuard = time.Second
	// updateStep is the period of the loop that follows the wall clock.
	updateStep = 50 * time.Millisecond
)

// Sentinel errors of the allocator.
var (
	ErrTSONotReady  = errors.New("pdlite: tso not initialised")
	ErrBadTSOCount  = errors.New("pdlite: tso count out of range")
	ErrTSOExhausted = errors.New("pdlite: tso bound cannot be saved")
)

// boundStore persists the TSO high-water bound (Unix milliseconds).
type boundStore interface {
	loadBound(ctx context.Context) (int64, error)
	saveBound(ctx context.Context, ms int64) error
}

// allocator hands out timestamps that never go back, even across a crash:
// no physical time at or above the persisted bound is ever served, and the
// bound only grows. The bound is extended by saveWindow ahead of time.
type allocator struct {
	store boundStore
	now   func() time.Time

	mu       sync.Mutex
	physical int64 // ms of the current window; 0 before sync
	logical  int64 // last logical handed out in this millisecond
	bound    int64 // persisted bound (ms, exclusive)
}

func newAllocator(store boundStore, now func() time.Time) *allocator {
	if now == nil {
		now = time.Now
	}
	return &allocator{store: store, now: now}
}

// sync loads the persisted bound and starts above it.
func (a *allocator) sync(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	last, err := a.store.loadBound(ctx)
	if err != nil {
		return fmt.Errorf("load tso bound: %w", err)
	}
	next := max(a.now().UnixMilli(), last, a.physical+1)
	if err := a.saveLocked(ctx, next); err != nil {
		return err
	}
	a.physical, a.logical = next, 0
	return nil
}

// saveLocked persists next+saveWindow as the new bound.
func (a *allocator) saveLocked(ctx context.Context, next int64) error {
	bound := next + saveWindow.Milliseconds()
	if err := a.store.saveBound(ctx, bound); err != nil {
		return fmt.Errorf("save tso bound %d: %w", bound, err)
	}
	a.bound = bound
	return nil
}

// moveLocked sets the current physical time to next (> a.physical),
// extending the persisted bound first when next comes close to it.
func (a *allocator) moveLocked(ctx context.Context, next int64) error {
	if a.bound-next <= saveGuard.Milliseconds() {
		if err := a.saveLocked(ctx, next); err != nil {
			return err
		}
	}
	a.physical, a.logical = next, 0
	return nil
}

// tick follows the wall clock; it is called every updateStep.
func (a *allocator) tick(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.physical == 0 {
		return ErrTSONotReady
	}
	now := a.now().UnixMilli()
	switch {
	case now > a.physical:
		return a.moveLocked(ctx, now)
	case a.logical > maxLogical/2:
		// Busy millisecond (or the clock went back): move ahead of it.
		return a.moveLocked(ctx, a.physical+1)
	case a.bound-a.physical <= saveGuard.Milliseconds():
		return a.saveLocked(ctx, a.physical)
	}
	return nil
}

// next reserves count timestamps and returns the physical time and the
// LAST logical value of the range [logical-count+1, logical], as PD does.
func (a *allocator) next(ctx context.Context, count uint32) (physical, logical int64, err error) {
	if count == 0 || count >= maxLogical {
		return 0, 0, fmt.Errorf("reserve %d timestamps: %w", count, ErrBadTSOCount)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.physical == 0 {
		return 0, 0, ErrTSONotReady
	}
	if a.logical+int64(count) >= maxLogical {
		// The logical counter would overflow: go to the next millisecond.
		if err := a.moveLocked(ctx, max(a.now().UnixMilli(), a.physical+1)); err != nil {
			return 0, 0, err
		}
	}
	if a.physical >= a.bound {
		return 0, 0, ErrTSOExhausted
	}
	a.logical += int64(count)
	return a.physical, a.logical, nil
}

// run drives tick until ctx ends. Errors (etcd unavailable) are retried on the next tick.
func (a *allocator) run(ctx context.Context, onErr func(error)) {
	t := time.NewTicker(updateStep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.tick(ctx); err != nil && ctx.Err() == nil {
				onErr(err)
			}
		}
	}
}
