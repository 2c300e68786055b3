package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type txnTS struct{ start, commit int64 }

// writeTxns writes n transactions and waits until all are served.
func writeServed(t *testing.T, a *Append, ts *tsoGen, n int) []txnTS {
	t.Helper()
	var txns []txnTS
	for i := range n {
		s, c := writeTxn(t, a, ts, fmt.Sprint("value-", i))
		txns = append(txns, txnTS{s, c})
	}
	last := txns[len(txns)-1].commit
	require.Eventually(t, func() bool { return a.MaxCommitTS() == last }, 10*time.Second, time.Millisecond)
	return txns
}

func pointerOf(t *testing.T, a *Append, ts int64) valuePointer {
	t.Helper()
	v, err := a.db.Get(tsKey(ts), nil)
	require.NoError(t, err)
	p, err := decodePointer(v)
	require.NoError(t, err)
	return p
}

// damage applies fn to the bytes of the value-log file of p.
func damage(t *testing.T, dir string, p valuePointer, fn func(data []byte)) string {
	t.Helper()
	path := vlogPath(dir, p.fid)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	fn(data)
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return path
}

func commitsOf(txns []txnTS) []int64 {
	out := make([]int64, 0, len(txns))
	for _, x := range txns {
		out = append(out, x.commit)
	}
	return out
}

// requireDataLoss checks how a stream ended.
func requireDataLoss(t *testing.T, err error, commit int64, file string, offset int64, cause error) {
	t.Helper()
	var dl *DataLossError
	require.True(t, errors.As(err, &dl), "want a DataLossError, got %v", err)
	require.Equal(t, commit, dl.CommitTS)
	require.Equal(t, file, dl.File)
	require.Equal(t, offset, dl.Offset)
	require.ErrorIs(t, err, cause)
	require.Contains(t, err.Error(), fmt.Sprint(commit))
}

// TestPullEndsWithDataLoss damages one record in the middle of the value
// log: the stream delivers every earlier commit, then ends with DataLoss
// naming the commit ts, the file and the offset.
func TestPullEndsWithDataLoss(t *testing.T) {
	cases := []struct {
		name     string
		prewrite bool // damage the prewrite (else the commit) of txn 2
		at       int  // byte offset in the record
		cause    error
	}{
		{"prewrite payload", true, recordHeaderSize + 3, errBadChecksum},
		{"commit payload", false, recordHeaderSize + 1, errBadChecksum},
		{"prewrite magic", true, 0, errBadMagic},
		{"commit magic", false, 1, errBadMagic},
		{"commit length", false, 11, errTruncated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			a := openTest(t, dir, testOptions())
			txns := writeServed(t, a, newTSO(), 5)
			key := txns[2].commit
			if tc.prewrite {
				key = txns[2].start
			}
			p := pointerOf(t, a, key)
			closeTest(t, a)
			path := damage(t, dir, p, func(data []byte) { data[p.offset+int64(tc.at)] ^= 0x40 })

			a = openTest(t, dir, testOptions())
			defer closeTest(t, a)
			got, end := receiveUntilEnd(t, a.PullCommitBinlog(t.Context(), 0))
			require.Equal(t, commitsOf(txns[:2]), commitTSs(got))
			requireDataLoss(t, end, txns[2].commit, path, p.offset, tc.cause)
		})
	}
}

// TestDamagedPrewriteHeaderNamesItsKey: a prewrite record too damaged to
// tell what it was ends the stream at its key.
func TestDamagedPrewriteHeaderNamesItsKey(t *testing.T) {
	dir := t.TempDir()
	a := openTest(t, dir, testOptions())
	txns := writeServed(t, a, newTSO(), 5)
	p := pointerOf(t, a, txns[2].start)
	closeTest(t, a)
	path := damage(t, dir, p, func(data []byte) { data[p.offset+11] ^= 0x40 }) // length

	a = openTest(t, dir, testOptions())
	defer closeTest(t, a)
	got, end := receiveUntilEnd(t, a.PullCommitBinlog(t.Context(), 0))
	require.Equal(t, commitsOf(txns[:2]), commitTSs(got))
	requireDataLoss(t, end, txns[2].start, path, p.offset, errTruncated)
}

// TestPullPointerIntoRemovedFile: an index entry pointing into a file that
// is gone ends the stream with DataLoss.
func TestPullPointerIntoRemovedFile(t *testing.T) {
	dir := t.TempDir()
	a := openTest(t, dir, testOptions())
	defer closeTest(t, a)
	txns := writeServed(t, a, newTSO(), 5)
	gone := valuePointer{fid: 99, offset: 16}
	require.NoError(t, a.db.Put(tsKey(txns[2].commit), gone.encode(nil), nil))

	got, end := receiveUntilEnd(t, a.PullCommitBinlog(t.Context(), 0))
	require.Equal(t, commitsOf(txns[:2]), commitTSs(got))
	requireDataLoss(t, end, txns[2].commit, vlogPath(dir, 99), 16, errFileNotFound)
	_, err := a.ReadBinlog(txns[2].commit)
	require.ErrorIs(t, err, errFileNotFound)
}

// TestPullStaleIndexEntry: an index entry pointing at another binlog's
// record is damage, not a binlog sent out of order or twice.
func TestPullStaleIndexEntry(t *testing.T) {
	dir := t.TempDir()
	a := openTest(t, dir, testOptions())
	defer closeTest(t, a)
	txns := writeServed(t, a, newTSO(), 5)
	stale := txns[1].commit + 1 // between commit 1 and prewrite 2
	p := pointerOf(t, a, txns[4].commit)
	require.NoError(t, a.db.Put(tsKey(stale), p.encode(nil), nil))

	got, end := receiveUntilEnd(t, a.PullCommitBinlog(t.Context(), 0))
	require.Equal(t, commitsOf(txns[:2]), commitTSs(got))
	requireDataLoss(t, end, stale, vlogPath(dir, p.fid), p.offset, errKeyMismatch)
}

// TestPullInjectedReadError: a read error that may pass ends the stream
// with a transient error; a new pull from the last binlog received gets
// every later binlog once.
func TestPullInjectedReadError(t *testing.T) {
	dir := t.TempDir()
	k := testKnobs()
	k.recentBytes = 0 // read from the file
	var fail atomic.Bool
	errInjected := errors.New("injected read error")
	k.readFault = func(valuePointer) error {
		if fail.Load() {
			return errInjected
		}
		return nil
	}
	a, err := openWithKnobs(dir, testOptions(), k)
	require.NoError(t, err)
	defer closeTest(t, a)
	ts := newTSO()
	txns := writeServed(t, a, ts, 5)
	ch := a.PullCommitBinlog(t.Context(), 0)
	require.Equal(t, commitsOf(txns), commitTSs(receive(t, ch, 5)))

	fail.Store(true)
	more := writeServed(t, a, ts, 3)
	rest, end := receiveUntilEnd(t, ch)
	require.Empty(t, rest)
	var dl *DataLossError
	require.False(t, errors.As(end, &dl), "a read error is not data loss: %v", end)
	require.ErrorIs(t, end, errInjected)

	fail.Store(false)
	got, end := receiveUntilEnd(t, a.PullCommitBinlog(t.Context(), txns[4].commit))
	require.NoError(t, end)
	require.Equal(t, commitsOf(more), commitTSs(got))
}

// TestTornTailDropsStaleEntries cuts the last 5 bytes of the last record
// (an acknowledged and indexed commit) while the pump is down: at open the
// index entry of the cut record is removed, so new records written at its
// offset are pulled once, in order.
func TestTornTailDropsStaleEntries(t *testing.T) {
	dir := t.TempDir()
	a := openTest(t, dir, testOptions())
	ts := newTSO()
	txns := writeServed(t, a, ts, 30)
	lost := txns[len(txns)-1]
	closeTest(t, a)
	path := vlogPath(dir, 0)
	info, err := os.Stat(path)
	require.NoError(t, err)
	require.NoError(t, os.Truncate(path, info.Size()-5))

	reg := newRegistry()
	o := testOptions()
	o.Registerer = reg
	a = openTest(t, dir, o)
	_, err = a.ReadBinlog(lost.commit)
	require.ErrorIs(t, err, ErrNotFound, "the entry of the cut record is removed")
	require.GreaterOrEqual(t, counterValue(t, reg, "binlog_pump_storage_error_count", map[string]string{"type": errReadValue}), 1.0)
	more := writeServed(t, a, ts, 5)
	closeTest(t, a)

	a = openTest(t, dir, testOptions())
	defer closeTest(t, a)
	want := append(commitsOf(txns[:len(txns)-1]), commitsOf(more)...)
	got, end := receiveUntilEnd(t, a.PullCommitBinlog(t.Context(), 0))
	require.NoError(t, end)
	require.Equal(t, want, commitTSs(got))
	for _, b := range got {
		require.Equal(t, b.CommitTS, unmarshal(t, b.Payload).GetCommitTs())
	}
}

func TestReadRecordKeepsUnverifiedPayload(t *testing.T) {
	rec := appendRecord(nil, []byte("payload"))
	binary.LittleEndian.PutUint32(rec, 1) // bad magic
	path := filepath.Join(t.TempDir(), "000000.vlog")
	require.NoError(t, os.WriteFile(path, rec, 0o644))
	fd, err := os.Open(path)
	require.NoError(t, err)
	defer fd.Close()
	lf := &logFile{path: path, fd: fd}
	lf.dataEnd.Store(int64(len(rec)))
	got, err := lf.readRecord(0)
	require.ErrorIs(t, err, errBadMagic)
	require.Equal(t, "payload", string(got))
}
