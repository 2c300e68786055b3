package pdlite

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// memBound is an in-memory boundStore that records every save.
type memBound struct {
	mu    sync.Mutex
	bound int64
	saves int
	fail  error
}

func (m *memBound) loadBound(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.bound, m.fail
}

func (m *memBound) saveBound(_ context.Context, ms int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.bound = ms
	m.saves++
	return nil
}

// fakeClock is a manually advanced wall clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *fakeClock) add(d time.Duration) { c.set(c.now().Add(d)) }

func newTestAlloc(t *testing.T, store *memBound, clk *fakeClock) *allocator {
	t.Helper()
	a := newAllocator(store, clk.now)
	require.NoError(t, a.sync(context.Background()))
	return a
}

func ts(physical, logical int64) int64 { return physical<<logicalBits | logical }

func TestAllocatorNotReady(t *testing.T) {
	a := newAllocator(&memBound{}, nil)
	_, _, err := a.next(context.Background(), 1)
	require.ErrorIs(t, err, ErrTSONotReady)
	require.ErrorIs(t, a.tick(context.Background()), ErrTSONotReady)
}

func TestAllocatorSyncStartsAboveSavedBound(t *testing.T) {
	clk := &fakeClock{t: time.UnixMilli(1_000_000)}
	store := &memBound{bound: 2_000_000} // saved by a previous run whose clock was ahead
	a := newTestAlloc(t, store, clk)
	p, l, err := a.next(context.Background(), 1)
	require.NoError(t, err)
	require.Equal(t, int64(2_000_000), p, "never below the saved bound")
	require.Equal(t, int64(1), l)
	require.Equal(t, int64(2_000_000)+saveWindow.Milliseconds(), store.bound)
}

func TestAllocatorStrictlyIncreasingWithBatches(t *testing.T) {
	clk := &fakeClock{t: time.UnixMilli(1_000_000)}
	a := newTestAlloc(t, &memBound{}, clk)
	last := int64(0)
	for i := range 3000 {
		count := uint32(i%7 + 1)
		p, l, err := a.next(context.Background(), count)
		require.NoError(t, err)
		first := ts(p, l-int64(count)+1)
		require.Greater(t, first, last)
		require.Less(t, l, int64(maxLogical))
		last = ts(p, l)
		if i%100 == 0 {
			clk.add(time.Millisecond)
			require.NoError(t, a.tick(context.Background()))
		}
	}
}

func TestAllocatorLogicalOverflowMovesPhysical(t *testing.T) {
	clk := &fakeClock{t: time.UnixMilli(1_000_000)} // the clock never moves
	store := &memBound{}
	a := newTestAlloc(t, store, clk)
	p1, l1, err := a.next(context.Background(), maxLogical-10)
	require.NoError(t, err)
	require.Equal(t, int64(maxLogical-10), l1)
	p2, l2, err := a.next(context.Background(), 20)
	require.NoError(t, err)
	require.Equal(t, p1+1, p2, "overflow advances the physical part")
	require.Equal(t, int64(20), l2)
	// Many overflows in a row walk past the persisted bound only after extending it.
	for range 5000 {
		_, _, err = a.next(context.Background(), maxLogical-1)
		require.NoError(t, err)
	}
	require.Less(t, a.physical, store.bound)
	require.Greater(t, store.saves, 1)
}

func TestAllocatorBadCount(t *testing.T) {
	a := newTestAlloc(t, &memBound{}, &fakeClock{t: time.UnixMilli(1)})
	for _, c := range []uint32{0, maxLogical, maxLogical + 5} {
		_, _, err := a.next(context.Background(), c)
		require.ErrorIs(t, err, ErrBadTSOCount)
	}
}

func TestAllocatorClockGoesBack(t *testing.T) {
	clk := &fakeClock{t: time.UnixMilli(5_000_000)}
	a := newTestAlloc(t, &memBound{}, clk)
	p1, l1, err := a.next(context.Background(), 1)
	require.NoError(t, err)
	clk.add(-time.Hour)
	require.NoError(t, a.tick(context.Background()))
	p2, l2, err := a.next(context.Background(), 1)
	require.NoError(t, err)
	require.Greater(t, ts(p2, l2), ts(p1, l1))
}

func TestAllocatorTickExtendsBoundBeforeServing(t *testing.T) {
	clk := &fakeClock{t: time.UnixMilli(1_000_000)}
	store := &memBound{}
	a := newTestAlloc(t, store, clk)
	for range 100 {
		clk.add(500 * time.Millisecond)
		require.NoError(t, a.tick(context.Background()))
		p, _, err := a.next(context.Background(), 1)
		require.NoError(t, err)
		require.Less(t, p, store.bound)
		require.Greater(t, store.bound-p, saveGuard.Milliseconds())
	}
}

func TestAllocatorSaveFailureStopsServingPastBound(t *testing.T) {
	clk := &fakeClock{t: time.UnixMilli(1_000_000)}
	store := &memBound{}
	a := newTestAlloc(t, store, clk)
	store.fail = errors.New("etcd down")
	clk.add(10 * time.Second) // far past the bound
	require.ErrorIs(t, a.tick(context.Background()), store.fail)
	p, _, err := a.next(context.Background(), 1)
	require.NoError(t, err, "the old window is still valid")
	require.Less(t, p, store.bound)
	_, _, err = a.next(context.Background(), maxLogical-1) // forces a move that needs a save
	require.ErrorIs(t, err, store.fail)
}
