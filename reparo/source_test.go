package reparo

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/binlogfile"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// readAll returns the commit ts of every record in range and the damage
// reported.
func readAll(t *testing.T, dir string, start, stop int64) ([]int64, []error) {
	t.Helper()
	var damage []error
	src, err := openSource(dir, start, stop, zap.NewNop(), func(err error) { damage = append(damage, err) })
	require.NoError(t, err)
	defer src.Close()
	var ts []int64
	for {
		rec, err := src.Next()
		if errors.Is(err, io.EOF) {
			require.Equal(t, src.total, src.BytesDone())
			return ts, damage
		}
		require.NoError(t, err)
		ts = append(ts, rec.Binlog.GetCommitTs())
	}
}

func tsRange(from, to int64) []int64 {
	var out []int64
	for s := from; s <= to; s++ {
		out = append(out, tso(s))
	}
	return out
}

// writeRaw writes a file of frames of the given binlogs.
func writeRaw(t *testing.T, path string, bls ...*filepb.Binlog) []int64 {
	t.Helper()
	var data []byte
	var offsets []int64
	for _, b := range bls {
		offsets = append(offsets, int64(len(data)))
		data = binlogfile.AppendFrame(data, marshal(t, b))
	}
	require.NoError(t, os.WriteFile(path, data, 0o644))
	return offsets
}

func TestSelectFilesAndRange(t *testing.T) {
	dir := t.TempDir()
	// Ten binlogs at 1..10 s; each file holds about two (rotation at 100 bytes).
	var bls []*filepb.Binlog
	for s := int64(1); s <= 10; s++ {
		bls = append(bls, ddlBinlog(tso(s), "use `db`; create table t (a int) /* padding padding padding padding */;"))
	}
	writeFiles(t, dir, 100, bls...)
	paths, err := binlogfile.ReadDir(dir)
	require.NoError(t, err)
	require.Greater(t, len(paths), 3)

	got, damage := readAll(t, dir, 0, 0)
	require.Empty(t, damage)
	require.Equal(t, tsRange(1, 10), got)

	got, _ = readAll(t, dir, tso(4), tso(7))
	require.Equal(t, tsRange(4, 7), got, "inclusive on both ends")

	files, err := selectFiles(paths, tso(4), tso(7), zap.NewNop())
	require.NoError(t, err)
	require.Less(t, len(files), len(paths), "files past stop and before start are not read")
	require.LessOrEqual(t, files[0].firstTS, tso(4))
	require.LessOrEqual(t, files[len(files)-1].firstTS, tso(7))

	got, _ = readAll(t, dir, tso(11), 0)
	require.Empty(t, got)
}

func TestSelectFilesByNameGenerations(t *testing.T) {
	dir := t.TempDir()
	// The oldest name carries no ts; the .tar.gz generation carries it in
	// its name (a wrong one here, to show the name wins over the content).
	writeRaw(t, filepath.Join(dir, "binlog-0000000000000000"), ddlBinlog(tso(1), "create database a;"))
	writeRaw(t, filepath.Join(dir, "binlog-0000000000000001-20190101010101"), ddlBinlog(tso(5), "create database b;"))
	names := []string{"binlog-0000000000000000", "binlog-0000000000000001-20190101010101"}
	var paths []string
	for _, n := range names {
		paths = append(paths, filepath.Join(dir, n))
	}
	files, err := selectFiles(paths, tso(5), 0, zap.NewNop())
	require.NoError(t, err)
	require.Len(t, files, 1)
	require.Equal(t, tso(5), files[0].firstTS)

	fi, err := statFile(filepath.Join(dir, "binlog-0000000000000002-20190101010101-12345.tar.gz"), zap.NewNop())
	require.Error(t, err, "missing file")
	require.Zero(t, fi.firstTS)
	gz := filepath.Join(dir, "binlog-0000000000000002-20190101010101-12345.tar.gz")
	require.NoError(t, os.WriteFile(gz, nil, 0o644))
	fi, err = statFile(gz, zap.NewNop())
	require.NoError(t, err)
	require.Equal(t, int64(12345), fi.firstTS)
}

func TestTornLastRecordIsEnd(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "binlog-0000000000000000-20190101010101")
	writeRaw(t, path, ddlBinlog(tso(1), "create database a;"), ddlBinlog(tso(2), "create database b;"))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.NoError(t, os.Truncate(path, fi.Size()-3))
	got, damage := readAll(t, dir, 0, 0)
	require.Equal(t, tsRange(1, 1), got)
	require.Empty(t, damage, "a torn tail of the last file is the end, not damage")
}

func TestCorruptRecordInTheMiddleIsReportedAndSkipped(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "binlog-0000000000000000-20190101010101")
	offsets := writeRaw(t, path, ddlBinlog(tso(1), "create database a;"), ddlBinlog(tso(2), "create database b;"),
		ddlBinlog(tso(3), "create database c;"))
	corruptAt(t, path, offsets[1]+14) // a payload byte of the second record: crc mismatch

	got, damage := readAll(t, dir, 0, 0)
	require.Equal(t, []int64{tso(1), tso(3)}, got)
	require.Len(t, damage, 1)
	var ce *binlogfile.CorruptionError
	require.ErrorAs(t, damage[0], &ce)
	require.Equal(t, path, ce.File)
	require.Equal(t, offsets[1], ce.Offset)
	require.Contains(t, damage[0].Error(), path)
}

func TestBadPayloadIsReportedAndSkipped(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "binlog-0000000000000000-20190101010101")
	data := binlogfile.AppendFrame(nil, marshal(t, ddlBinlog(tso(1), "create database a;")))
	off := int64(len(data))
	data = binlogfile.AppendFrame(data, []byte{0xff, 0xff, 0xff})
	data = binlogfile.AppendFrame(data, marshal(t, ddlBinlog(tso(2), "create database b;")))
	require.NoError(t, os.WriteFile(path, data, 0o644))
	got, damage := readAll(t, dir, 0, 0)
	require.Equal(t, tsRange(1, 2), got)
	require.Len(t, damage, 1)
	var bre *BadRecordError
	require.ErrorAs(t, damage[0], &bre)
	require.Equal(t, off, bre.Offset)
	require.Equal(t, path, bre.File)
}

func TestTornTailOfAnEarlierFileIsReported(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "binlog-0000000000000000-20190101010101")
	writeRaw(t, first, ddlBinlog(tso(1), "create database a;"), ddlBinlog(tso(2), "create database b;"))
	fi, err := os.Stat(first)
	require.NoError(t, err)
	require.NoError(t, os.Truncate(first, fi.Size()-3))
	writeRaw(t, filepath.Join(dir, "binlog-0000000000000001-20190101010102"), ddlBinlog(tso(3), "create database c;"))
	got, damage := readAll(t, dir, 0, 0)
	require.Equal(t, []int64{tso(1), tso(3)}, got)
	require.Len(t, damage, 1, "lost data at the end of a file that is not the last one")
}

func TestDuplicatesAfterDrainerRestartAreSkipped(t *testing.T) {
	dir := t.TempDir()
	writeRaw(t, filepath.Join(dir, "binlog-0000000000000000-20190101010101"),
		ddlBinlog(tso(1), "create database a;"), ddlBinlog(tso(2), "create database b;"))
	// The restarted drainer resumed from an older checkpoint: ts 2 again.
	writeRaw(t, filepath.Join(dir, "binlog-0000000000000001-20190101010102"),
		ddlBinlog(tso(2), "create database b;"), ddlBinlog(tso(3), "create database c;"))
	got, damage := readAll(t, dir, 0, 0)
	require.Empty(t, damage)
	require.Equal(t, tsRange(1, 3), got)
}

func TestEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "savepoint"), []byte("commitTS = 1\n"), 0o644))
	_, err := openSource(dir, 0, 0, zap.NewNop(), func(error) {})
	require.ErrorIs(t, err, ErrNoBinlogFiles)
	require.Contains(t, err.Error(), dir)

	_, err = openSource(filepath.Join(dir, "missing"), 0, 0, zap.NewNop(), func(error) {})
	require.Error(t, err)
}

func FuzzSourceFile(f *testing.F) {
	f.Add(binlogfile.AppendFrame(nil, []byte{0x08, 0x01, 0x10, 0x02}))
	f.Add([]byte{0x04, 0x05, 0x1b, 0x1c, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "binlog-0000000000000000"), data, 0o644))
		src, err := openSource(dir, 0, 0, zap.NewNop(), func(error) {})
		if err != nil {
			return
		}
		defer src.Close()
		for range 1000 {
			rec, err := src.Next()
			if err != nil {
				return
			}
			_, _ = BinlogToTxn(rec.Binlog)
		}
	})
}

// corruptAt flips the byte at off of the file.
func corruptAt(t *testing.T, path string, off int64) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	data[off] ^= 0xff
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

// TestReadCompressedGeneration reads the original's .tar.gz generation: one
// gzip stream of frames, the first commit ts in the name.
func TestReadCompressedGeneration(t *testing.T) {
	dir := t.TempDir()
	var frames []byte
	for s := int64(1); s <= 3; s++ {
		frames = binlogfile.AppendFrame(frames, marshal(t, ddlBinlog(tso(s), "create database a;")))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err := zw.Write(frames)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	name := fmt.Sprintf("binlog-0000000000000000-20190101010101-%d.tar.gz", tso(1))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), gz.Bytes(), 0o644))
	writeRaw(t, filepath.Join(dir, "binlog-0000000000000001-20190101010102"), ddlBinlog(tso(4), "create database b;"))

	got, damage := readAllCompressed(t, dir, tso(2), 0)
	require.Empty(t, damage)
	require.Equal(t, tsRange(2, 4), got)
}

// readAllCompressed is readAll without the byte accounting check (a
// compressed file reads more bytes than it holds).
func readAllCompressed(t *testing.T, dir string, start, stop int64) ([]int64, []error) {
	t.Helper()
	var damage []error
	src, err := openSource(dir, start, stop, zap.NewNop(), func(err error) { damage = append(damage, err) })
	require.NoError(t, err)
	defer src.Close()
	var ts []int64
	for {
		rec, err := src.Next()
		if errors.Is(err, io.EOF) {
			return ts, damage
		}
		require.NoError(t, err)
		ts = append(ts, rec.Binlog.GetCommitTs())
	}
}
