package storage

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func vlogPath(dir string, fid uint32) string {
	return filepath.Join(dir, "value", fmt.Sprintf("%06d.vlog", fid))
}

func TestTornTailTruncatedOnOpen(t *testing.T) {
	dir := t.TempDir()
	a := openTest(t, dir, testOptions())
	ts := newTSO()
	var commits []int64
	for range 5 {
		_, c := writeTxn(t, a, ts, "v")
		commits = append(commits, c)
	}
	closeTest(t, a)
	path := vlogPath(dir, 0)
	info, err := os.Stat(path)
	require.NoError(t, err)
	good := info.Size()

	// a record whose write was torn by a crash
	rec := appendRecord(nil, mustMarshal(t, prewrite(ts.next(), "torn")))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.Write(rec[:len(rec)-3])
	require.NoError(t, err)
	require.NoError(t, f.Close())

	a = openTest(t, dir, testOptions())
	info, err = os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, good, info.Size(), "torn tail truncated")
	_, c := writeTxn(t, a, ts, "after")
	commits = append(commits, c)
	closeTest(t, a)

	a = openTest(t, dir, testOptions())
	defer closeTest(t, a)
	got := receive(t, a.PullCommitBinlog(t.Context(), 0), len(commits))
	for i := range got {
		require.Equal(t, commits[i], got[i].CommitTS)
	}
}

func TestMidFileCorruptionSkipped(t *testing.T) {
	dir := t.TempDir()
	a := openTest(t, dir, testOptions())
	ts := newTSO()
	type txn struct{ start, commit int64 }
	var txns []txn
	for i := range 5 {
		s, c := writeTxn(t, a, ts, fmt.Sprint("value-", i))
		txns = append(txns, txn{s, c})
	}
	require.Eventually(t, func() bool { return a.MaxCommitTS() == txns[4].commit }, 10*time.Second, time.Millisecond)
	v, err := a.db.Get(tsKey(txns[2].start), nil)
	require.NoError(t, err)
	ptr, err := decodePointer(v)
	require.NoError(t, err)
	closeTest(t, a)

	// flip a byte inside the payload of txn 2's prewrite
	path := vlogPath(dir, ptr.fid)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	data[ptr.offset+recordHeaderSize+3] ^= 0xff
	require.NoError(t, os.WriteFile(path, data, 0o644))

	reg := newRegistry()
	o := testOptions()
	o.Registerer = reg
	a = openTest(t, dir, o)
	require.GreaterOrEqual(t, counterValue(t, reg, "binlog_pump_storage_error_count", map[string]string{"type": errReadValue}), 1.0)
	_, err = a.ReadBinlog(txns[2].start)
	var dl *DataLossError
	require.True(t, errors.As(err, &dl), "got %v", err)
	require.Equal(t, path, dl.File)
	require.Equal(t, ptr.offset, dl.Offset)
	require.ErrorIs(t, err, errBadChecksum)
	// the damaged record (its start_ts is hit: it no longer tells what it
	// was) ends the stream at its key, after the earlier commits
	got, end := receiveUntilEnd(t, a.PullCommitBinlog(t.Context(), 0))
	require.Equal(t, []int64{txns[0].commit, txns[1].commit}, commitTSs(got))
	require.True(t, errors.As(end, &dl), "got %v", end)
	require.Equal(t, txns[2].start, dl.CommitTS)
	closeTest(t, a)

	// with the index lost, the rescan skips the damaged record and goes on:
	// the commit has no prewrite then, and is skipped as one that was rolled
	// back
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "kv")))
	a = openTest(t, dir, testOptions())
	defer closeTest(t, a)
	got = receive(t, a.PullCommitBinlog(t.Context(), 0), 4)
	require.Equal(t, txns[4].commit, got[3].CommitTS)
	_, err = a.ReadBinlog(txns[2].start)
	require.ErrorIs(t, err, ErrNotFound)
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, int64(len(data)), info.Size(), "mid-file corruption is not truncated")
}

func TestScanRecordsReportsCorruption(t *testing.T) {
	var file []byte
	var offsets []int64
	for i := range 4 {
		offsets = append(offsets, int64(len(file)))
		file = appendRecord(file, []byte(fmt.Sprintf("payload-%d", i)))
	}
	file[offsets[1]] ^= 0x01 // bad magic of record 1
	file = append(file, 0xe8, 0x56, 0x3a)

	var got []string
	var reports []*CorruptionError
	res, err := scanRecords(bytes.NewReader(file), "f.vlog", 7, 0, int64(len(file)),
		func(p valuePointer, payload []byte) error {
			require.Equal(t, uint32(7), p.fid)
			got = append(got, string(payload))
			return nil
		}, func(e *CorruptionError) { reports = append(reports, e) })
	require.NoError(t, err)
	require.Equal(t, []string{"payload-0", "payload-2", "payload-3"}, got)
	require.Len(t, reports, 1)
	require.Equal(t, offsets[1], reports[0].Offset)
	require.ErrorIs(t, reports[0], errBadMagic)
	require.Equal(t, int64(len(file)-3), res.validEnd)
	require.Equal(t, int64(len(file)-3), res.tornAt)
}

func TestCloseFinalizesOnlyLargeFiles(t *testing.T) {
	dir := t.TempDir()
	a := openTest(t, dir, testOptions())
	ts := newTSO()
	writeTxn(t, a, ts, "small")
	closeTest(t, a)
	a = openTest(t, dir, testOptions())
	require.Equal(t, uint32(0), a.vlog.cur.fid, "a small file stays open for appends")
	big := string(bytes.Repeat([]byte("b"), 60<<10))
	_, c := writeTxn(t, a, ts, big)
	closeTest(t, a)
	data, err := os.ReadFile(vlogPath(dir, 0))
	require.NoError(t, err)
	maxTS, ok := decodeFooter(data[len(data)-footerSize:])
	require.True(t, ok, "a file of at least 50 KiB is finalized on close")
	require.Equal(t, c, maxTS)

	a = openTest(t, dir, testOptions())
	defer closeTest(t, a)
	require.Equal(t, uint32(1), a.vlog.cur.fid, "a finalized file is never appended to")
	_, c2 := writeTxn(t, a, ts, "next")
	got := receive(t, a.PullCommitBinlog(t.Context(), c), 1)
	require.Equal(t, c2, got[0].CommitTS)
}
