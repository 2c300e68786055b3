//go:build integration

package tests

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

// startPrivateMariaDB starts a MariaDB server of the test's own (never the
// shared one on 3306) and stops it at cleanup. Without mariadbd on the
// machine the test is skipped with the reason.
func startPrivateMariaDB(ctx context.Context, t *testing.T) *testcluster.MariaDB {
	t.Helper()
	if _, _, err := testcluster.FindMariaDB(); err != nil {
		t.Skipf("a private MariaDB is needed and cannot be started: %v", err)
	}
	m, err := testcluster.StartMariaDB(ctx, t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = m.Stop(60 * time.Second)
		m.Remove()
	})
	return m
}

// startClusterInto is startDrainerCluster with the downstream on a private
// MariaDB.
func startClusterInto(ctx context.Context, t *testing.T, m *testcluster.MariaDB) *drainerCluster {
	t.Helper()
	c := startUpstream(ctx, t, "drainer_test_cp")
	var err error
	c.down, err = sql.Open("mysql", m.DSN(""))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.down.Close() })
	c.startDrainer(ctx, t, c.drainerTOML("[syncer]\n", m.Port))
	return c
}

// TestDrainerMariaDBRestartMidStream stops the downstream MariaDB (SIGTERM,
// waiting for its exit) while transactions keep committing on tidb-lite,
// starts it again on the same port and data directory, and checks that the
// same drainer process reconnects and the downstream converges to the
// upstream table: nothing lost, nothing applied twice in effect.
func TestDrainerMariaDBRestartMidStream(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	m := startPrivateMariaDB(ctx, t)
	c := startClusterInto(ctx, t, m)
	const db = "drainer_test_mdb_restart"
	const downTxns = 1000
	c.exec(ctx, t, "CREATE DATABASE "+db,
		"CREATE TABLE "+db+".t (id INT PRIMARY KEY, k INT, v VARCHAR(64))",
		"CREATE TABLE "+db+".counter (id INT PRIMARY KEY, n INT)",
		"INSERT INTO "+db+".counter VALUES (1, 0)")
	c.requireSameRows(ctx, t, "SELECT id, n FROM "+db+".counter", 60*time.Second)

	var txns atomic.Int64
	stop := make(chan struct{})
	werr := make(chan error, 1)
	go func() { werr <- writeMixed(ctx, c.up, db, &txns, stop) }()
	waitTxns := func(n int64) {
		t.Helper()
		require.Eventually(t, func() bool { return txns.Load() >= n }, time.Minute, 5*time.Millisecond,
			"the writer stalled at %d transactions", txns.Load())
	}

	waitTxns(150)
	stopped := time.Now()
	require.NoError(t, m.Stop(60*time.Second), "stop MariaDB")
	down := txns.Load()
	waitTxns(down + downTxns) // commits while the downstream is gone
	require.NoError(t, m.StartReady(ctx), "restart MariaDB")
	t.Logf("MariaDB was down (from SIGTERM to ready) for %v, transactions %d..%d",
		time.Since(stopped).Round(time.Millisecond), down, txns.Load())
	waitTxns(txns.Load() + 150)
	close(stop)
	require.NoError(t, <-werr)

	c.requireSameRows(ctx, t, "SELECT id, n FROM "+db+".counter", 2*time.Minute)
	c.requireSameRows(ctx, t, "SELECT id, k, v FROM "+db+".t ORDER BY id", 2*time.Minute)
	require.True(t, c.drainer.Running(), "the drainer exited instead of reconnecting")
	log, err := os.ReadFile(filepath.Join(c.drainer.Dir, "drainer.log"))
	require.NoError(t, err)
	retries := strings.Count(string(log), "retry downstream transaction")
	t.Logf("the drainer retried %d downstream transactions", retries)
	require.Positive(t, retries, "the drainer never met the stopped MariaDB: the test proves nothing")
}

// writeMixed commits transactions on tidb-lite until stop: each inserts a
// row, updates an earlier one, sometimes deletes one, and bumps a counter
// (n ends as the number of transactions, whatever is replayed).
func writeMixed(ctx context.Context, up *sql.DB, db string, txns *atomic.Int64, stop <-chan struct{}) error {
	r := rand.New(rand.NewPCG(7, 8))
	for i := 1; ; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		tx, err := up.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		stmts := []string{
			fmt.Sprintf("INSERT INTO %s.t VALUES (%d, %d, 'v%d')", db, i, r.IntN(1000), i),
			fmt.Sprintf("UPDATE %s.t SET k = k + 1, v = 'u%d' WHERE id = %d", db, i, r.IntN(i)+1),
			"UPDATE " + db + ".counter SET n = n + 1 WHERE id = 1",
		}
		if i%5 == 0 {
			stmts = append(stmts, fmt.Sprintf("DELETE FROM %s.t WHERE id = %d", db, r.IntN(i)+1))
		}
		for _, q := range stmts {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				_ = tx.Rollback()
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		if err := tx.Commit(); err != nil {
			return errors.Join(fmt.Errorf("commit transaction %d", i), err)
		}
		txns.Add(1)
	}
}
