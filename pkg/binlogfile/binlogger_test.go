package binlogfile

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func payloadN(i, size int) []byte {
	p := bytes.Repeat([]byte{byte(i)}, size)
	copy(p, fmt.Sprintf("payload-%d", i))
	return p
}

func TestWriteReadRotate(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBinlogger(dir, Options{MaxFileSize: 1000})
	require.NoError(t, err)
	var want [][]byte
	for i := range 20 {
		p := payloadN(i, 100+i*10)
		want = append(want, p)
		require.NoError(t, b.WriteTail(p))
	}
	require.NoError(t, b.Close())

	files, err := ReadDir(dir)
	require.NoError(t, err)
	require.Greater(t, len(files), 2)
	var got [][]byte
	for i, f := range files {
		index, ts, ok := ParseFileName(f)
		require.True(t, ok)
		require.Equal(t, uint64(i), index)
		require.Zero(t, ts)
		fi, err := os.Stat(f)
		require.NoError(t, err)
		if i < len(files)-1 {
			require.GreaterOrEqual(t, fi.Size(), int64(1000))
		}
		got = append(got, readAll(t, f)...)
	}
	require.Equal(t, want, got)
}

func TestReopenAppends(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBinlogger(dir, Options{})
	require.NoError(t, err)
	require.NoError(t, b.WriteTail([]byte("one")))
	require.NoError(t, b.Close())
	require.ErrorIs(t, b.WriteTail([]byte("x")), ErrClosed)

	b, err = OpenBinlogger(dir, Options{SyncEveryWrite: true})
	require.NoError(t, err)
	require.NoError(t, b.WriteTail([]byte("two")))
	require.NoError(t, b.WriteTail(nil)) // nothing written
	require.NoError(t, b.Sync())
	require.Equal(t, Pos{Index: 0, Offset: 2*FrameOverhead + 6}, b.Pos())
	require.NoError(t, b.Close())

	files, err := ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, files, 1)
	require.Equal(t, [][]byte{[]byte("one"), []byte("two")}, readAll(t, files[0]))
}

func TestDirectoryLock(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBinlogger(dir, Options{})
	require.NoError(t, err)
	_, err = OpenBinlogger(dir, Options{})
	require.ErrorIs(t, err, ErrLocked)
	require.NoError(t, b.Close())
	b, err = OpenBinlogger(dir, Options{})
	require.NoError(t, err)
	require.NoError(t, b.Close())
	_, err = os.Stat(filepath.Join(dir, ".lock"))
	require.NoError(t, err)
}

func TestGCKeepsNewest(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBinlogger(dir, Options{MaxFileSize: 10})
	require.NoError(t, err)
	defer b.Close()
	for i := range 4 {
		require.NoError(t, b.WriteTail(payloadN(i, 20)))
	}
	files, err := ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, files, 5) // four full files and the empty current one

	removed, err := b.GC(0)
	require.NoError(t, err)
	require.Empty(t, removed)

	old := time.Now().Add(-48 * time.Hour)
	for _, f := range files {
		require.NoError(t, os.Chtimes(f, old, old))
	}
	removed, err = b.GC(24 * time.Hour)
	require.NoError(t, err)
	require.Equal(t, files[:4], removed)
	left, err := ReadDir(dir)
	require.NoError(t, err)
	require.Equal(t, files[4:], left)
}

func TestGCBefore(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBinlogger(dir, Options{MaxFileSize: 10})
	require.NoError(t, err)
	defer b.Close()
	for i := range 4 {
		require.NoError(t, b.WriteTail(payloadN(i, 20)))
	}
	require.Equal(t, uint64(4), b.Pos().Index)
	files, err := ReadDir(dir)
	require.NoError(t, err)
	removed, err := b.GCBefore(2)
	require.NoError(t, err)
	require.Equal(t, files[:2], removed)
	removed, err = b.GCBefore(100) // never the file being written
	require.NoError(t, err)
	require.Equal(t, files[2:4], removed)
	left, err := ReadDir(dir)
	require.NoError(t, err)
	require.Equal(t, files[4:], left)
}
