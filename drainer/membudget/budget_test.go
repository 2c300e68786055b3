package membudget

import (
	"context"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
)

const waitFor, tick = 5 * time.Second, 5 * time.Millisecond

func never() bool { return false }

// acquireAsync acquires in the background; the channel gets the result.
func acquireAsync(ctx context.Context, b *Budget, bl *binlogpb.Binlog, n int64, empty func() bool) chan error {
	done := make(chan error, 1)
	go func() { done <- b.Acquire(ctx, bl, n, empty) }()
	return done
}

func requireBlocked(t *testing.T, done chan error) {
	t.Helper()
	require.Never(t, func() bool { return len(done) > 0 }, 100*time.Millisecond, tick)
}

func requireDone(t *testing.T, done chan error) {
	t.Helper()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(waitFor):
		t.Fatal("still blocked")
	}
}

func TestAcquireWaitsForRelease(t *testing.T) {
	b := New(100)
	x, y, z := new(binlogpb.Binlog), new(binlogpb.Binlog), new(binlogpb.Binlog)
	ctx := context.Background()
	require.NoError(t, b.Acquire(ctx, x, 60, never))
	require.NoError(t, b.Acquire(ctx, y, 40, never))
	done := acquireAsync(ctx, b, z, 1, never)
	requireBlocked(t, done)
	b.Dequeued(x)
	requireBlocked(t, done) // dequeued bytes are still held
	b.Release(x)
	requireDone(t, done)
	require.EqualValues(t, 41, b.Used())
	b.Release(x) // twice: nothing
	require.EqualValues(t, 41, b.Used())
}

func TestGiantAdmittedOnlyAlone(t *testing.T) {
	b := New(100)
	x, g := new(binlogpb.Binlog), new(binlogpb.Binlog)
	ctx := context.Background()
	require.NoError(t, b.Acquire(ctx, x, 10, never))
	done := acquireAsync(ctx, b, g, 500, never)
	requireBlocked(t, done)
	b.Release(x)
	requireDone(t, done)
	require.EqualValues(t, 500, b.Used())
	// Nothing joins it.
	done = acquireAsync(ctx, b, x, 1, never)
	requireBlocked(t, done)
	b.Release(g)
	requireDone(t, done)
}

func TestEmptyQueueForcedOnlyWhenAllQueued(t *testing.T) {
	b := New(100)
	g, d, x := new(binlogpb.Binlog), new(binlogpb.Binlog), new(binlogpb.Binlog)
	ctx := context.Background()
	require.NoError(t, b.Acquire(ctx, d, 50, never))
	b.Dequeued(d) // downstream
	require.NoError(t, b.Acquire(ctx, g, 50, never))
	empty := func() bool { return true }
	done := acquireAsync(ctx, b, x, 30, empty)
	requireBlocked(t, done) // d downstream will free room: wait for it
	b.Resize(d, 70)         // still downstream, bigger: still waits
	requireBlocked(t, done)
	b.Release(d) // everything held is queued: forced through
	requireDone(t, done)
	require.EqualValues(t, 80, b.Used())
}

func TestGrowWaitsForTheSinkOnly(t *testing.T) {
	b := New(100)
	d, q, y, x := new(binlogpb.Binlog), new(binlogpb.Binlog), new(binlogpb.Binlog), new(binlogpb.Binlog)
	ctx := context.Background()
	require.NoError(t, b.Acquire(ctx, d, 40, never))
	b.Dequeued(d)
	b.Sent(d)                                        // in the sink
	require.NoError(t, b.Acquire(ctx, q, 10, never)) // queued before the merge
	require.NoError(t, b.Acquire(ctx, y, 20, never))
	b.Dequeued(y) // waits behind x in the syncer
	require.NoError(t, b.Acquire(ctx, x, 20, never))
	b.Dequeued(x)
	done := make(chan error, 1)
	go func() { done <- b.Grow(ctx, x, 60) }()
	requireBlocked(t, done) // 40+10+20+60 > 100 and the sink will free d
	b.Resize(d, 30)         // still over
	requireBlocked(t, done)
	b.Release(d) // nothing in the sink: grow even over the budget
	requireDone(t, done)
	require.EqualValues(t, 90, b.Used())
	require.NoError(t, b.Grow(ctx, x, 10)) // shrinking never waits
	require.EqualValues(t, 40, b.Used())
	require.NoError(t, b.Grow(ctx, new(binlogpb.Binlog), 1000), "not charged: nothing")
	require.EqualValues(t, 40, b.Used())
	// Sent bytes follow resizes and releases.
	b.Sent(x)
	b.Resize(x, 50)
	done = make(chan error, 1)
	go func() { done <- b.Grow(ctx, y, 80) }()
	requireBlocked(t, done)
	b.Release(x)
	requireDone(t, done)
}

func TestWaitsEndWithContext(t *testing.T) {
	b := New(10)
	x := new(binlogpb.Binlog)
	require.NoError(t, b.Acquire(context.Background(), x, 10, never))
	ctx, cancel := context.WithCancel(context.Background())
	done := acquireAsync(ctx, b, new(binlogpb.Binlog), 5, never)
	requireBlocked(t, done)
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(waitFor):
		t.Fatal("Acquire ignored its context")
	}
	require.EqualValues(t, 10, b.Used())
}

func TestNilBudgetAccountsNothing(t *testing.T) {
	var b *Budget
	x := new(binlogpb.Binlog)
	require.NoError(t, b.Acquire(context.Background(), x, 1<<40, never))
	require.NoError(t, b.Grow(context.Background(), x, 1<<40))
	b.Dequeued(x)
	b.Resize(x, 1)
	b.Release(x)
	require.Zero(t, b.Used())
	require.Zero(t, b.Max())
}
