//go:build integration

package tests

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDrainerCatchUpThroughput writes rows through tidb-lite while the
// drainer is stopped, then starts it and measures how fast it applies the
// backlog to MariaDB (pull, merge, decode, loader): the drainer's own rate,
// not bound by how fast tidb-lite executes SQL. The number is logged; the
// assertion is only a floor that catches a pathological slowdown.
func TestDrainerCatchUpThroughput(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "[syncer]\n")
	db := "drainer_test_tput_" + randomSuffix()
	c.dropDownstream(t, db)
	c.exec(ctx, t, "CREATE DATABASE "+db,
		"CREATE TABLE "+db+".sbtest (id INT PRIMARY KEY, k INT, c CHAR(120), pad CHAR(60), KEY k_1 (k))")
	c.exec(ctx, t, "INSERT INTO "+db+".sbtest VALUES (0, 0, 'warm', 'up')")
	c.requireSameRows(ctx, t, "SELECT id FROM "+db+".sbtest", 60*time.Second)
	require.NoError(t, c.drainer.Stop(20*time.Second))

	// One writer: tidb-lite serializes writers on a table lock anyway.
	const stmts, rowsPerStmt = 50, 100
	total := stmts*rowsPerStmt + 1
	begin := time.Now()
	for s := 0; s < stmts; s++ {
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + db + ".sbtest VALUES ")
		for r := 0; r < rowsPerStmt; r++ {
			id := 1 + s*rowsPerStmt + r
			if r > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, "(%d, %d, '%0120d', '%060d')", id, id%1000, id, id)
		}
		c.exec(ctx, t, sb.String())
	}
	t.Logf("tidb-lite wrote %d rows in %v", total-1, time.Since(begin))

	start := time.Now()
	require.NoError(t, c.drainer.StartReady(ctx))
	var n int
	var first time.Time
	require.Eventually(t, func() bool {
		_ = c.down.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+db+".sbtest").Scan(&n)
		if n > 1 && first.IsZero() {
			first = time.Now()
		}
		return n == total
	}, 4*time.Minute, 5*time.Millisecond)
	took, applying := time.Since(start), time.Since(first)
	rate := float64(total-1) / took.Seconds()
	t.Logf("drainer applied a backlog of %d rows in %v from its start (%.0f rows/s), %v from the first row (%.0f rows/s)",
		total-1, took, rate, applying, float64(total-1)/applying.Seconds())
	require.Greater(t, rate, 200.0)
}
