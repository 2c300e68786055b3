package reparo

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// mysqlRun restores dir into the local MariaDB with cfg adjusted by edit.
func mysqlRun(ctx context.Context, t *testing.T, dir string, edit func(*Config), deps Deps) (Stats, error) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.DataDir = dir
	cfg.DestType = DestMySQL
	cfg.DestDB = &DBConfig{Host: "127.0.0.1", Port: 3306, User: "root"}
	cfg.WorkerCount = 4
	cfg.ProgressInterval.Duration = 0
	if edit != nil {
		edit(cfg)
	}
	r, err := New(cfg, deps)
	require.NoError(t, err)
	return r.Run(ctx)
}

// writeWorkload writes w into a fresh directory (files rotated at 8 KiB)
// and removes its checkpoint row at the end of the test.
func writeWorkload(t *testing.T, db *sql.DB, w *workload) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, 8<<10, w.binlogs...)
	job, err := filepath.Abs(dir)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = db.Exec("DELETE FROM `"+CheckpointSchema+"`.`"+CheckpointTable+"` WHERE job = ?", job)
	})
	return dir
}

func loadCheckpointRow(t *testing.T, db *sql.DB, dir string) Checkpoint {
	t.Helper()
	job, err := filepath.Abs(dir)
	require.NoError(t, err)
	cp, ok, err := (&dbCheckpoint{db: db}).Load(context.Background(), job)
	require.NoError(t, err)
	require.True(t, ok)
	return cp
}

func TestRestoreWorkloadIntoMySQL(t *testing.T) {
	db, schema := testDB(t)
	w := genWorkload(t, schema, 300, 6, 1)
	dir := writeWorkload(t, db, w)

	st, err := mysqlRun(context.Background(), t, dir, nil, Deps{})
	require.NoError(t, err)
	require.Equal(t, int64(len(w.binlogs)), st.Binlogs)
	require.Greater(t, st.TotalFiles, 3, "several files after rotation")
	require.Equal(t, st.TotalBytes, st.BytesDone)
	require.Equal(t, expectedRows(w.states[len(w.states)-1]), tableRows(t, db, schema))
	cp := loadCheckpointRow(t, db, dir)
	require.Equal(t, w.binlogs[len(w.binlogs)-1].GetCommitTs(), cp.CommitTS)

	// The same command again applies nothing.
	st, err = mysqlRun(context.Background(), t, dir, nil, Deps{})
	require.NoError(t, err)
	require.Zero(t, st.Binlogs)
	require.True(t, st.Resumed)
	require.Equal(t, expectedRows(w.states[len(w.states)-1]), tableRows(t, db, schema))
}

func TestRestoreTimeRange(t *testing.T) {
	db, schema := testDB(t)
	w := genWorkload(t, schema, 120, 4, 2)
	dir := writeWorkload(t, db, w)

	_, err := mysqlRun(context.Background(), t, dir, func(c *Config) { c.StopTSO = tso(60) }, Deps{})
	require.NoError(t, err)
	require.Equal(t, expectedRows(w.stateAt(tso(60))), tableRows(t, db, schema))

	st, err := mysqlRun(context.Background(), t, dir, func(c *Config) { c.StartTSO, c.StopTSO = tso(61), tso(90) }, Deps{})
	require.NoError(t, err)
	require.Equal(t, int64(30), st.Binlogs, "inclusive on both ends")
	require.Equal(t, expectedRows(w.stateAt(tso(90))), tableRows(t, db, schema))
}

func TestRestoreInterruptedResumes(t *testing.T) {
	db, schema := testDB(t)
	w := genWorkload(t, schema, 300, 6, 3)
	dir := writeWorkload(t, db, w)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int64
	_, err := mysqlRun(ctx, t, dir, nil, Deps{OnApplied: func(int64) {
		if n.Add(1) == 100 {
			cancel()
		}
	}})
	require.ErrorIs(t, err, context.Canceled)
	cp := loadCheckpointRow(t, db, dir)
	require.GreaterOrEqual(t, cp.CommitTS, w.binlogs[99].GetCommitTs(), "the applied progress is saved")
	require.Less(t, cp.CommitTS, w.binlogs[len(w.binlogs)-1].GetCommitTs())

	st, err := mysqlRun(context.Background(), t, dir, nil, Deps{})
	require.NoError(t, err)
	require.True(t, st.Resumed)
	require.Less(t, st.Binlogs, int64(len(w.binlogs)))
	require.Equal(t, expectedRows(w.states[len(w.states)-1]), tableRows(t, db, schema))
}

// TestResumeAfterCrashReplaysInSafeMode: a checkpoint behind what was
// applied (a crash between applying and saving) is replayed in safe mode,
// so the replayed inserts do not fail on existing keys.
func TestResumeAfterCrashReplaysInSafeMode(t *testing.T) {
	db, schema := testDB(t)
	w := genWorkload(t, schema, 150, 6, 4)
	dir := writeWorkload(t, db, w)
	_, err := mysqlRun(context.Background(), t, dir, nil, Deps{})
	require.NoError(t, err)

	cp := loadCheckpointRow(t, db, dir)
	cp.CommitTS, cp.SafeTS = tso(40), w.binlogs[len(w.binlogs)-1].GetCommitTs()
	require.NoError(t, (&dbCheckpoint{db: db}).Save(context.Background(), cp))

	st, err := mysqlRun(context.Background(), t, dir, nil, Deps{})
	require.NoError(t, err)
	require.True(t, st.Resumed)
	require.Equal(t, int64(len(w.binlogs)-40), st.Binlogs)
	require.Equal(t, expectedRows(w.states[len(w.states)-1]), tableRows(t, db, schema))
}

func TestResumeDisabled(t *testing.T) {
	db, schema := testDB(t)
	w := genWorkload(t, schema, 20, 3, 5)
	dir := writeWorkload(t, db, w)
	_, err := mysqlRun(context.Background(), t, dir, func(c *Config) { c.Resume = false; c.SafeMode = true }, Deps{})
	require.NoError(t, err)
	st, err := mysqlRun(context.Background(), t, dir, func(c *Config) { c.Resume = false; c.SafeMode = true }, Deps{})
	require.NoError(t, err)
	require.Equal(t, int64(len(w.binlogs)), st.Binlogs, "safe mode makes the second full run harmless")
	require.Equal(t, expectedRows(w.states[len(w.states)-1]), tableRows(t, db, schema))
	var n int
	job, _ := filepath.Abs(dir)
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM `"+CheckpointSchema+"`.`"+CheckpointTable+"` WHERE job = ?", job).Scan(&n))
	require.Zero(t, n)
}

func TestUndoRangeApplied(t *testing.T) {
	db, schema := testDB(t)
	w := genWorkload(t, schema, 150, 6, 6)
	dir := writeWorkload(t, db, w)
	_, err := mysqlRun(context.Background(), t, dir, nil, Deps{})
	require.NoError(t, err)

	// Undo the tail of the history: the table is as it was before it.
	st, err := mysqlRun(context.Background(), t, dir, func(c *Config) {
		c.DestType, c.Apply, c.StartTSO = DestUndo, true, tso(101)
	}, Deps{})
	require.NoError(t, err)
	require.Equal(t, int64(len(w.binlogs)-100), st.Binlogs)
	require.Equal(t, expectedRows(w.stateAt(tso(100))), tableRows(t, db, schema))
}

func TestUndoRangeAsSQL(t *testing.T) {
	db, schema := testDB(t)
	w := genWorkload(t, schema, 100, 6, 7)
	dir := writeWorkload(t, db, w)
	_, err := mysqlRun(context.Background(), t, dir, nil, Deps{})
	require.NoError(t, err)

	var out bytes.Buffer
	cfg := DefaultConfig()
	cfg.DataDir, cfg.DestType, cfg.StartTSO = dir, DestUndo, tso(61)
	cfg.ProgressInterval.Duration = 0
	r, err := New(cfg, Deps{Stdout: &out, Logger: zap.NewNop()})
	require.NoError(t, err)
	_, err = r.Run(context.Background())
	require.NoError(t, err)
	require.Contains(t, out.String(), "BEGIN;\n")

	_, err = db.Exec(out.String())
	require.NoError(t, err)
	require.Equal(t, expectedRows(w.stateAt(tso(60))), tableRows(t, db, schema))
}

func TestUndoRefusesDDL(t *testing.T) {
	db, schema := testDB(t)
	w := genWorkload(t, schema, 5, 2, 8)
	dir := writeWorkload(t, db, w)
	cfg := DefaultConfig()
	cfg.DataDir, cfg.DestType = dir, DestUndo
	cfg.ProgressInterval.Duration = 0
	var out bytes.Buffer
	r, err := New(cfg, Deps{Stdout: &out})
	require.NoError(t, err)
	_, err = r.Run(context.Background())
	require.ErrorIs(t, err, ErrUndoDDL)
	require.Empty(t, out.String(), "nothing is written when the range cannot be undone")
}

func TestRestoreUnreachableMySQL(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, 0, ddlBinlog(tso(1), "create database x;"))
	_, err := mysqlRun(context.Background(), t, dir, func(c *Config) { c.DestDB.Port = 1 }, Deps{})
	require.ErrorIs(t, err, ErrUnreachable)
	require.Contains(t, err.Error(), "127.0.0.1:1")
}

// TestApplyErrorStopsWithCheckpointBehind: a statement the destination
// rejects ends the run with the error; the checkpoint stays before it, and
// the run continues from there once the cause is fixed.
func TestApplyErrorStopsWithCheckpointBehind(t *testing.T) {
	db, schema := testDB(t)
	w := genWorkload(t, schema, 30, 3, 9)
	bad := dmlBinlog(tso(100), event(t, schema, "missing", filepb.EventType_Insert, intCol("id", 1)))
	dir := writeWorkload(t, db, &workload{binlogs: append(w.binlogs, bad)})
	_, err := mysqlRun(context.Background(), t, dir, nil, Deps{})
	require.Error(t, err)
	require.Contains(t, err.Error(), "missing")
	cp := loadCheckpointRow(t, db, dir)
	require.Less(t, cp.CommitTS, tso(100))

	// Once the cause is fixed, the same command continues (in safe mode
	// over what the failed run may have applied after its checkpoint).
	_, err = db.Exec("CREATE TABLE `" + schema + "`.`missing` (id BIGINT PRIMARY KEY)")
	require.NoError(t, err)
	st, err := mysqlRun(context.Background(), t, dir, nil, Deps{})
	require.NoError(t, err)
	require.True(t, st.Resumed)
	require.Equal(t, expectedRows(w.states[len(w.states)-1]), tableRows(t, db, schema))
	require.Equal(t, [][]string{{"1"}}, queryRows(t, db, "SELECT id FROM `"+schema+"`.`missing`"))
}
