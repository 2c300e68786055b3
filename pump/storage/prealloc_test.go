package storage

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

func TestCurrentFilePreallocatedAndCutOnClose(t *testing.T) {
	dir := t.TempDir()
	a := openTest(t, dir, testOptions())
	ts := newTSO()
	for range 5 {
		writeTxn(t, a, ts, "v")
	}
	if a.vlog.noAlloc {
		closeTest(t, a)
		t.Skip("the file system has no fallocate")
	}
	end := a.vlog.end().offset
	info, err := os.Stat(vlogPath(dir, 0))
	require.NoError(t, err)
	require.Equal(t, int64(preallocChunk), info.Size(), "allocated ahead in one step")
	tail := make([]byte, 1<<20)
	f, err := os.Open(vlogPath(dir, 0))
	require.NoError(t, err)
	_, err = f.ReadAt(tail, end)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	require.Equal(t, make([]byte, len(tail)), tail, "zeros after the records")

	closeTest(t, a)
	info, err = os.Stat(vlogPath(dir, 0))
	require.NoError(t, err)
	require.Equal(t, end, info.Size(), "close cuts the preallocated space of a small file")
}

// vlogBytes frames the marshaled binlogs as value-log records.
func vlogBytes(t *testing.T, bs ...*binlogpb.Binlog) []byte {
	t.Helper()
	var out []byte
	for _, b := range bs {
		out = appendRecord(out, mustMarshal(t, b))
	}
	return out
}

// TestZeroTailAfterCrashIsTheEnd: the preallocated zeros a crash leaves
// after the records are the end of the records, not damage, in the last
// file (cut at open) as in an earlier unfinalized one (kept as is).
func TestZeroTailAfterCrashIsTheEnd(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "value"), 0o755))
	ts := newTSO()
	var commits []int64
	txn := func() []*binlogpb.Binlog {
		start, commit := ts.next(), ts.next()
		commits = append(commits, commit)
		return []*binlogpb.Binlog{prewrite(start, fmt.Sprint("v", start)), commitOf(start, commit)}
	}
	first := vlogBytes(t, append(txn(), txn()...)...)
	second := vlogBytes(t, txn()...)
	zeros := make([]byte, 3<<20)
	require.NoError(t, os.WriteFile(vlogPath(dir, 0), append(bytes.Clone(first), zeros...), 0o644))
	require.NoError(t, os.WriteFile(vlogPath(dir, 1), append(bytes.Clone(second), zeros...), 0o644))

	reg := newRegistry()
	o := testOptions()
	o.Registerer = reg
	a := openTest(t, dir, o)
	got := receive(t, a.PullCommitBinlog(t.Context(), 0), len(commits))
	for i := range got {
		require.Equal(t, commits[i], got[i].CommitTS)
	}
	require.Zero(t, counterValue(t, reg, "binlog_pump_storage_error_count", map[string]string{"type": errReadValue}),
		"zeros are not reported as corruption")
	info, err := os.Stat(vlogPath(dir, 1))
	require.NoError(t, err)
	require.Equal(t, int64(len(second)), info.Size(), "the last file is cut at its records")
	info, err = os.Stat(vlogPath(dir, 0))
	require.NoError(t, err)
	require.Equal(t, int64(len(first)+len(zeros)), info.Size(), "an earlier file is left alone")
	_, c := writeTxn(t, a, ts, "after")
	closeTest(t, a)

	a = openTest(t, dir, testOptions())
	defer closeTest(t, a)
	got = receive(t, a.PullCommitBinlog(t.Context(), commits[len(commits)-1]), 1)
	require.Equal(t, c, got[0].CommitTS)
}

func TestScanRecordsZeroTail(t *testing.T) {
	records := appendRecord(appendRecord(nil, []byte("a")), []byte("bb"))
	scan := func(file []byte) (scanResult, int) {
		var reports int
		res, err := scanRecords(bytes.NewReader(file), "f.vlog", 0, 0, int64(len(file)),
			func(valuePointer, []byte) error { return nil }, func(*CorruptionError) { reports++ })
		require.NoError(t, err)
		return res, reports
	}

	res, reports := scan(append(bytes.Clone(records), make([]byte, 5000)...))
	require.Equal(t, scanResult{validEnd: int64(len(records)), tornAt: int64(len(records)), zeroTail: true}, res)
	require.Zero(t, reports)

	torn := appendRecord(nil, []byte("torn"))[:10]
	res, reports = scan(append(append(bytes.Clone(records), torn...), make([]byte, 5000)...))
	require.Equal(t, scanResult{validEnd: int64(len(records)), tornAt: int64(len(records)), zeroTail: false}, res,
		"a torn record before the zeros is damage")
	require.Zero(t, reports)

	res, _ = scan(records)
	require.Equal(t, scanResult{validEnd: int64(len(records)), tornAt: -1}, res)
}
