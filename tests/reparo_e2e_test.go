//go:build integration

package tests

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/reparo"
)

// reparoRun restores the drainer's files in dir with edit applied to the
// configuration.
func reparoRun(ctx context.Context, t *testing.T, dir, dest string, edit func(*reparo.Config)) (*reparo.Reparo, reparo.Stats) {
	t.Helper()
	cfg := reparo.DefaultConfig()
	cfg.DataDir, cfg.DestType = dir, dest
	cfg.DestDB = &reparo.DBConfig{Host: "127.0.0.1", Port: 3306, User: "root"}
	cfg.ProgressInterval.Duration = 0
	cfg.Resume = false
	if edit != nil {
		edit(cfg)
	}
	r, err := reparo.New(cfg, reparo.Deps{})
	require.NoError(t, err)
	st, err := r.Run(ctx)
	require.NoError(t, err)
	return r, st
}

// waitForMarker waits until the drainer's files hold the insert of id into
// db.mark and returns its commit ts.
func waitForMarker(ctx context.Context, t *testing.T, dir, db string, id int64) int64 {
	t.Helper()
	var ts int64
	require.Eventually(t, func() bool {
		cfg := reparo.DefaultConfig()
		cfg.DataDir, cfg.DestType = dir, reparo.DestMemory
		cfg.ProgressInterval.Duration = 0
		r, err := reparo.New(cfg, reparo.Deps{})
		require.NoError(t, err)
		if _, err := r.Run(ctx); err != nil {
			return false
		}
		for _, b := range r.Memory().Binlogs() {
			txn, err := reparo.BinlogToTxn(b)
			require.NoError(t, err)
			for _, d := range txn.DMLs {
				if d.Database == db && d.Table == "mark" && d.Tp == loader.InsertDMLType && d.Values["id"] == id {
					ts = b.GetCommitTs()
					return true
				}
			}
		}
		return false
	}, time.Minute, 200*time.Millisecond, "the drainer did not write marker %d", id)
	return ts
}

// TestReparoRestoresDrainerFiles: tidb-lite -> pump -> drainer (file sink)
// -> reparo -> MariaDB, across a drainer restart: the whole history, then
// a time range, compared row by row with tidb-lite; then the undo of the
// second half gives the table of the first.
func TestReparoRestoresDrainerFiles(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "[syncer]\ndb-type = \"file\"\n")
	db := "reparo_test_e2e_" + randomSuffix()
	c.dropDownstream(t, db)
	q := "SELECT id, name, price, note, qty FROM " + db + ".items ORDER BY id"

	c.exec(ctx, t,
		"CREATE DATABASE "+db,
		"CREATE TABLE "+db+".items (id INT PRIMARY KEY, name VARCHAR(32), price DECIMAL(10,2), note TEXT, qty BIGINT)",
		"CREATE TABLE "+db+".mark (id BIGINT PRIMARY KEY)",
		"INSERT INTO "+db+".items VALUES (1, 'apple', 1.50, NULL, 3), (2, 'pear', 2.25, 'ripe', NULL), (3, 'fig', 9.99, 'x', -7)",
		"UPDATE "+db+".items SET price = 1.75, name = 'green apple' WHERE id = 1",
		"DELETE FROM "+db+".items WHERE id = 3",
		"INSERT INTO "+db+".mark VALUES (1)",
	)
	firstHalf := queryRows(ctx, t, c.up, q)
	require.Len(t, firstHalf, 2)
	ts1 := waitForMarker(ctx, t, c.drainer.DataDir, db, 1)

	require.NoError(t, c.drainer.Stop(20*time.Second))
	require.NoError(t, c.drainer.StartReady(ctx))
	c.exec(ctx, t,
		"INSERT INTO "+db+".items VALUES (4, 'kiwi', 0.50, 'new', 1), (5, 'plum', 3.00, NULL, 2)",
		"UPDATE "+db+".items SET note = 'changed', qty = qty + 10 WHERE id IN (1, 4)",
		"DELETE FROM "+db+".items WHERE id = 2",
		"INSERT INTO "+db+".mark VALUES (2)",
	)
	waitForMarker(ctx, t, c.drainer.DataDir, db, 2)

	// The whole history, interrupted after a few binlogs and resumed.
	t.Cleanup(func() {
		_, _ = c.down.Exec("DELETE FROM tidb_binlog.reparo_checkpoint WHERE job = ?", c.drainer.DataDir)
	})
	stopCtx, stop := context.WithCancel(ctx)
	cfg := reparo.DefaultConfig()
	cfg.DataDir, cfg.DestType = c.drainer.DataDir, reparo.DestMySQL
	cfg.DestDB = &reparo.DBConfig{Host: "127.0.0.1", Port: 3306, User: "root"}
	cfg.ProgressInterval.Duration = 0
	applied := 0
	r, err := reparo.New(cfg, reparo.Deps{OnApplied: func(int64) {
		if applied++; applied == 4 {
			stop()
		}
	}})
	require.NoError(t, err)
	_, err = r.Run(stopCtx)
	require.ErrorIs(t, err, context.Canceled)
	_, st := reparoRun(ctx, t, c.drainer.DataDir, reparo.DestMySQL, func(cfg *reparo.Config) { cfg.Resume = true })
	require.True(t, st.Resumed)
	require.Positive(t, st.Binlogs)
	all := queryRows(ctx, t, c.up, q)
	require.Len(t, all, 3)
	require.Equal(t, all, queryRows(ctx, t, c.down, q))

	// Undo of everything after the first marker gives the first half back.
	_, st = reparoRun(ctx, t, c.drainer.DataDir, reparo.DestUndo, func(cfg *reparo.Config) {
		cfg.Apply, cfg.StartTSO = true, ts1+1
	})
	require.Equal(t, int64(4), st.Binlogs, fmt.Sprintf("%+v", st))
	require.Equal(t, firstHalf, queryRows(ctx, t, c.down, q))

	// A time range: the first half only, into an empty downstream.
	_, err = c.down.ExecContext(ctx, "DROP DATABASE "+db)
	require.NoError(t, err)
	reparoRun(ctx, t, c.drainer.DataDir, reparo.DestMySQL, func(cfg *reparo.Config) { cfg.StopTSO = ts1 })
	require.Equal(t, firstHalf, queryRows(ctx, t, c.down, q))
}
