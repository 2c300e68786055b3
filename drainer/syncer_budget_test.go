package drainer

import (
	"context"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/membudget"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
)

// charge charges b to bud as the collector would, and takes it out of
// its pump's queue as the merge would.
func charge(t *testing.T, bud *membudget.Budget, b *binlogpb.Binlog) *binlogpb.Binlog {
	t.Helper()
	require.NoError(t, bud.Acquire(context.Background(), b, int64(len(b.GetPrewriteValue())+64), nil))
	bud.Dequeued(b)
	return b
}

func TestSyncerReleasesBudgetOnConfirmationAndMarkers(t *testing.T) {
	bud := membudget.New(1 << 20)
	h := newHarness(t, false, SyncerOptions{}, func(d *SyncerDeps) {
		d.Budget = bud
		d.Tables = fakeTables{"db.skipme": true}
	})
	h.in <- charge(t, bud, fakeBinlog(105))
	require.Eventually(t, func() bool { return bud.Used() == 0 }, 5*time.Second, time.Millisecond,
		"a fake binlog is released at once")

	row := string(make([]byte, 1000))
	h.in <- charge(t, bud, dmlBinlog(110, 120, 7, insertMut(1, row)))
	h.in <- charge(t, bud, dmlBinlog(121, 122, 7, insertMut(2, "filtered out")))
	require.Eventually(t, func() bool { return len(h.sink.sent()) == 1 }, 5*time.Second, time.Millisecond)
	// The sent transaction holds twice its rows (the values and what the
	// loader builds from them) until the sink confirms it; the filtered one
	// holds nothing.
	require.Eventually(t, func() bool { return bud.Used() > 2000 && bud.Used() < 3000 }, 5*time.Second,
		time.Millisecond, "used %d", bud.Used())
	h.sink.release()
	require.Eventually(t, func() bool { return bud.Used() == 0 }, 5*time.Second, time.Millisecond,
		"used %d after the confirmation", bud.Used())
}

// TestSyncerGrowsPastBinlogsWaitingBehindIt: the transaction being decoded
// may need more than the budget leaves while the binlogs queued behind it
// in the syncer hold the rest; with nothing in the sink, waiting could free
// nothing, so it goes on.
func TestSyncerGrowsPastBinlogsWaitingBehindIt(t *testing.T) {
	bud := membudget.New(1500)
	row := string(make([]byte, 1000))
	x, y := dmlBinlog(110, 120, 7, insertMut(1, row)), dmlBinlog(121, 130, 7, insertMut(1, row))
	alwaysEmpty := func() bool { return true }
	require.NoError(t, bud.Acquire(context.Background(), x, int64(len(x.GetPrewriteValue())), alwaysEmpty))
	require.NoError(t, bud.Acquire(context.Background(), y, int64(len(y.GetPrewriteValue())), alwaysEmpty))
	bud.Dequeued(x)
	bud.Dequeued(y)
	h := newHarness(t, true, SyncerOptions{}, func(d *SyncerDeps) { d.Budget = bud })
	h.in <- x
	h.in <- y
	require.Eventually(t, func() bool { return len(h.sink.sent()) == 2 }, 5*time.Second, time.Millisecond)
	require.Eventually(t, func() bool { return bud.Used() == 0 }, 5*time.Second, time.Millisecond)
}
