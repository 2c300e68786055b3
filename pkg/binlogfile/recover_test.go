package binlogfile

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReopenCutsTornTail(t *testing.T) {
	for _, tail := range [][]byte{
		{0x04, 0x05},                           // a torn header
		AppendFrame(nil, payloadN(9, 40))[:30], // a torn payload
		bytes.Repeat([]byte{0}, 100),           // zeros a crash left behind
	} {
		dir := t.TempDir()
		b, err := OpenBinlogger(dir, Options{})
		require.NoError(t, err)
		require.NoError(t, b.WriteTail([]byte("one")))
		require.NoError(t, b.Close())
		files, err := ReadDir(dir)
		require.NoError(t, err)
		appendBytes(t, files[0], tail)

		b, err = OpenBinlogger(dir, Options{})
		require.NoError(t, err)
		require.Equal(t, int64(FrameOverhead+3), b.Pos().Offset)
		require.NoError(t, b.WriteTail([]byte("two")))
		require.NoError(t, b.Close())
		r := NewReader(files[0], 0, nil)
		res := drain(t, r)
		require.NoError(t, r.Close())
		require.Len(t, res, 2)
		require.Equal(t, []byte("one"), res[0].payload)
		require.Equal(t, []byte("two"), res[1].payload)
	}
}

func TestReopenKeepsMiddleCorruption(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBinlogger(dir, Options{})
	require.NoError(t, err)
	for i := range 3 {
		require.NoError(t, b.WriteTail(payloadN(i, 64)))
	}
	require.NoError(t, b.Close())
	files, err := ReadDir(dir)
	require.NoError(t, err)
	data, err := os.ReadFile(files[0])
	require.NoError(t, err)
	data[FrameOverhead+64+20] ^= 1 // the second frame's payload
	require.NoError(t, os.WriteFile(files[0], data, 0o600))

	b, err = OpenBinlogger(dir, Options{})
	require.NoError(t, err)
	require.Equal(t, int64(len(data)), b.Pos().Offset) // nothing cut
	require.NoError(t, b.Close())
}

func TestReopenAfterCompressedFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "binlog-0000000000000007-20190101010101-5.tar.gz"), nil, 0o600))
	b, err := OpenBinlogger(dir, Options{})
	require.NoError(t, err)
	require.Equal(t, uint64(8), b.Pos().Index)
	require.NoError(t, b.Close())
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.Write(b)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// fullDisk is a segment that writes part of a frame and then fails with
// ENOSPC, the way write(2) does when the disk fills up mid-write. Filling a
// real disk in a test is not practical, so the error is injected here.
type fullDisk struct {
	*os.File
	full atomic.Bool
}

func (f *fullDisk) WriteAt(p []byte, off int64) (int, error) {
	if !f.full.Load() {
		return f.File.WriteAt(p, off)
	}
	n, err := f.File.WriteAt(p[:len(p)/2], off)
	if err != nil {
		return n, err
	}
	return n, fmt.Errorf("write %s: %w", f.Name(), syscall.ENOSPC)
}

func TestWriteOnFullDisk(t *testing.T) {
	dir := t.TempDir()
	var seg *fullDisk
	create := func(path string) (segment, error) {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, err
		}
		seg = &fullDisk{File: f}
		return seg, nil
	}
	b, err := openBinlogger(dir, Options{}, create)
	require.NoError(t, err)
	require.NoError(t, b.WriteTail([]byte("before")))

	seg.full.Store(true)
	err = b.WriteTail(payloadN(1, 1000))
	require.ErrorIs(t, err, ErrNoSpace)
	require.ErrorIs(t, err, syscall.ENOSPC)
	require.Contains(t, err.Error(), "no space left on device")
	require.Equal(t, int64(FrameOverhead+6), b.Pos().Offset)

	// The file is readable and holds exactly the acknowledged frame.
	files, err := ReadDir(dir)
	require.NoError(t, err)
	fi, err := os.Stat(files[0])
	require.NoError(t, err)
	require.Equal(t, int64(FrameOverhead+6), fi.Size())
	require.Equal(t, [][]byte{[]byte("before")}, readAll(t, files[0]))

	// Space comes back: writing continues.
	seg.full.Store(false)
	require.NoError(t, b.WriteTail([]byte("after")))
	require.NoError(t, b.Close())
	require.Equal(t, [][]byte{[]byte("before"), []byte("after")}, readAll(t, files[0]))
}

type failingSync struct{ *os.File }

func (failingSync) Sync() error { return errors.New("injected fsync failure") }

func TestFsyncFailureIsSticky(t *testing.T) {
	create := func(path string) (segment, error) {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		return failingSync{f}, err
	}
	b, err := openBinlogger(t.TempDir(), Options{SyncEveryWrite: true}, create)
	require.NoError(t, err)
	require.ErrorContains(t, b.WriteTail([]byte("x")), "injected fsync failure")
	require.ErrorContains(t, b.WriteTail([]byte("y")), "injected fsync failure")
	require.Error(t, b.Close())
}

type noSpaceOnSync struct{ *os.File }

func (noSpaceOnSync) Sync() error { return fmt.Errorf("fsync: %w", syscall.ENOSPC) }

// Delayed allocation can report a full disk only at fsync.
func TestFsyncOnFullDisk(t *testing.T) {
	create := func(path string) (segment, error) {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		return noSpaceOnSync{f}, err
	}
	b, err := openBinlogger(t.TempDir(), Options{}, create)
	require.NoError(t, err)
	require.NoError(t, b.WriteTail([]byte("x")))
	err = b.Sync()
	require.ErrorIs(t, err, ErrNoSpace)
	require.ErrorIs(t, err, syscall.ENOSPC)
	require.ErrorIs(t, b.Close(), ErrNoSpace)
}
