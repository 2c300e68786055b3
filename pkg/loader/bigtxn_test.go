package loader

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestHundredMiBTransaction applies a 100 MiB transaction (100 rows of
// 1 MiB) with a 32 MiB budget: it is admitted alone, split into statements
// under max_allowed_packet, and the transactions around it still go through.
func TestHundredMiBTransaction(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MiB through MariaDB")
	}
	db := newDBConn(t)
	n := db.name
	mustExec(t, db.DB, "CREATE TABLE "+n+".t (id INT PRIMARY KEY, b LONGTEXT)")
	opts := DefaultOptions()
	opts.MaxBytes = 32 << 20
	l, err := New(db.DB, opts)
	require.NoError(t, err)
	finish := startLoader(t, l)
	big := &Txn{}
	for i := 0; i < 100; i++ {
		v := strings.Repeat(string(rune('a'+i%26)), 1<<20)
		big.DMLs = append(big.DMLs, ins(n, "t", row("id", int64(i), "b", v)))
	}
	require.GreaterOrEqual(t, txnSize(big), int64(100<<20))
	l.Input() <- &Txn{DMLs: []*DML{ins(n, "t", row("id", int64(-1), "b", "before"))}}
	l.Input() <- big
	l.Input() <- &Txn{DMLs: []*DML{upd(n, "t", row("id", int64(5), "b", big.DMLs[5].Values["b"]), row("id", int64(5), "b", "after"))}}
	got, err := finish()
	require.NoError(t, err)
	require.Len(t, got, 3)
	rows := queryRows(t, db.DB, "SELECT COUNT(*), SUM(LENGTH(b)) FROM "+n+".t")
	require.Equal(t, []string{"101", "103809035"}, rows[0])
}

// TestBudgetBoundsQueuedBytes: while a transaction holds the budget the
// next one that does not fit waits; one larger than the budget is admitted
// when nothing else is held.
func TestBudgetBoundsQueuedBytes(t *testing.T) {
	b := newBudget(100)
	ctx := context.Background()
	require.NoError(t, b.acquire(ctx, 60))
	require.False(t, b.tryAcquire(50))
	require.True(t, b.tryAcquire(40))
	got := make(chan struct{})
	go func() {
		_ = b.acquire(ctx, 500)
		close(got)
	}()
	runtime.Gosched()
	select {
	case <-got:
		t.Fatal("admitted beyond the budget")
	case <-time.After(20 * time.Millisecond):
	}
	b.release(60)
	b.release(40)
	<-got
	b.release(500)
	cctx, cancel := context.WithCancel(ctx)
	require.NoError(t, b.acquire(ctx, 100))
	cancel()
	require.ErrorIs(t, b.acquire(cctx, 1), context.Canceled)
}
