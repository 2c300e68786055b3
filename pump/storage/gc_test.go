package storage

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestGCDeletesOldFilesAndKeys(t *testing.T) {
	dir := t.TempDir()
	o := testOptions()
	o.ValueLogFileSize = 128
	reg := newRegistry()
	o.Registerer = reg
	a := openTest(t, dir, o)
	ts := newTSO()
	ts.last.Store((time.Now().Add(-2 * time.Hour).UnixMilli()) << 18) // two hours old
	var oldStarts []int64
	for range 10 {
		s, _ := writeTxn(t, a, ts, "old")
		oldStarts = append(oldStarts, s)
	}
	ts.last.Store(time.Now().UnixMilli() << 18)
	var newCommits []int64
	for range 3 {
		_, c := writeTxn(t, a, ts, "new")
		newCommits = append(newCommits, c)
	}
	require.Eventually(t, func() bool { return a.MaxCommitTS() == newCommits[2] }, 10*time.Second, time.Millisecond)
	before, err := listFids(filepath.Join(dir, "value"))
	require.NoError(t, err)
	require.Greater(t, len(before), 3)

	gcTS := newCommits[0] - 1 // older than the new txns, 2 h after the old ones
	a.GC(gcTS)
	require.Equal(t, gcTS, a.GCTS())
	require.Eventually(t, func() bool {
		return counterValue(t, reg, "binlog_pump_storage_done_gc_ts", nil) == tsPhysical(gcTS-a.gcMargin())
	}, 10*time.Second, time.Millisecond)

	after, err := listFids(filepath.Join(dir, "value"))
	require.NoError(t, err)
	require.Less(t, len(after), len(before), "old files deleted")
	require.Contains(t, after, before[len(before)-1], "the current file is kept")
	for _, s := range oldStarts {
		_, err := a.ReadBinlog(s)
		require.ErrorIs(t, err, ErrNotFound)
	}
	require.GreaterOrEqual(t, counterValue(t, reg, "binlog_pump_storage_deleted_kv_total", nil), float64(2*len(oldStarts)))
	got := receive(t, a.PullCommitBinlog(t.Context(), 0), 3)
	require.Equal(t, newCommits[0], got[0].CommitTS, "new txns survive")

	// ignored requests
	a.GC(gcTS - 1)
	require.Equal(t, gcTS, a.GCTS())
	a.GC(a.MaxCommitTS())
	require.Equal(t, gcTS, a.GCTS())
	closeTest(t, a)

	a = openTest(t, dir, testOptions())
	defer closeTest(t, a)
	require.Equal(t, gcTS, a.GCTS(), "gc ts persisted")
	_, err = os.Stat(vlogPath(dir, before[0]))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// TestGCMarginFollowsMaxTxnTimeout: with max-txn-timeout 3 h, binlogs 2 h
// below the GC ts are kept.
func TestGCMarginFollowsMaxTxnTimeout(t *testing.T) {
	o := testOptions()
	o.MaxTxnTimeout = 3 * time.Hour
	reg := newRegistry()
	o.Registerer = reg
	a := openTest(t, t.TempDir(), o)
	defer closeTest(t, a)
	ts := newTSO()
	ts.last.Store((time.Now().Add(-2 * time.Hour).UnixMilli()) << 18)
	oldStart, _ := writeTxn(t, a, ts, "old")
	ts.last.Store(time.Now().UnixMilli() << 18)
	_, c := writeTxn(t, a, ts, "new")
	require.Eventually(t, func() bool { return a.MaxCommitTS() == c }, 10*time.Second, time.Millisecond)
	a.GC(c - 1)
	require.Eventually(t, func() bool {
		return counterValue(t, reg, "binlog_pump_storage_done_gc_ts", nil) == tsPhysical(c-1-(3*3600*1000)<<18)
	}, 10*time.Second, time.Millisecond)
	_, err := a.ReadBinlog(oldStart)
	require.NoError(t, err, "2 h old: within the 3 h margin")
}

// TestGCKeepsFilesWhenItsIndexScanFails: when GC cannot read the index (a
// damaged table block), it stops before removing any value-log file, so no
// index key is left pointing into a removed file.
func TestGCKeepsFilesWhenItsIndexScanFails(t *testing.T) {
	dir := t.TempDir()
	o := testOptions()
	o.SyncLog = false
	o.ValueLogFileSize = 4096
	a := openTest(t, dir, o)
	ts := newTSO()
	ts.last.Store((time.Now().Add(-2 * time.Hour).UnixMilli()) << 18)
	for range 2000 {
		writeTxn(t, a, ts, "old")
	}
	ts.last.Store(time.Now().UnixMilli() << 18)
	_, last := writeTxn(t, a, ts, "new")
	require.Eventually(t, func() bool { return a.MaxCommitTS() == last }, 10*time.Second, time.Millisecond)
	closeTest(t, a)
	closeTest(t, openTest(t, dir, o)) // goleveldb writes its journal into a table at open
	corruptMiddleOfTable(t, filepath.Join(dir, "kv"))
	before, err := listFids(filepath.Join(dir, "value"))
	require.NoError(t, err)

	core, logs := observer.New(zap.ErrorLevel)
	o.Logger = zap.New(core)
	a = openTest(t, dir, o)
	defer closeTest(t, a)
	a.GC(last - 1)
	require.Eventually(t, func() bool { return logs.FilterMessage("gc scan kv failed").Len() > 0 },
		10*time.Second, time.Millisecond)
	after, err := listFids(filepath.Join(dir, "value"))
	require.NoError(t, err)
	require.Equal(t, before, after, "no value-log file removed")
}

// corruptMiddleOfTable flips a byte halfway into the only goleveldb table
// of dir: a data block of ts keys, past the first block (the state keys)
// and before the index and footer.
func corruptMiddleOfTable(t *testing.T, dir string) {
	t.Helper()
	tables, err := filepath.Glob(filepath.Join(dir, "*.ldb"))
	require.NoError(t, err)
	require.Len(t, tables, 1)
	data, err := os.ReadFile(tables[0])
	require.NoError(t, err)
	require.Greater(t, len(data), 16<<10, "the ts keys span several blocks")
	data[len(data)/2] ^= 0xff
	require.NoError(t, os.WriteFile(tables[0], data, 0o644))
}
