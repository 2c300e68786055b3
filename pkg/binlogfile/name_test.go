package binlogfile

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFileName(t *testing.T) {
	at := time.Date(2018, 10, 10, 10, 10, 10, 0, time.UTC)
	require.Equal(t, "binlog-0000000000000001-20181010101010", FileName(1, at))
	require.Equal(t, "binlog-0000000012345678-20181010101010", FileName(12345678, at))
}

func TestParseFileName(t *testing.T) {
	cases := []struct {
		name  string
		index uint64
		ts    int64
		ok    bool
	}{
		{"binlog-0000000000000001", 1, 0, true},
		{"binlog-0000000000000002-20181010101010", 2, 0, true},
		{"/some/dir/binlog-0000000000000002-20181010101010", 2, 0, true},
		{"binlog-0000000000000003-20181010101010-407623959013752832.tar.gz", 3, 407623959013752832, true},
		{"binlog-0000000000000003-20181010101010-407623959013752832", 3, 407623959013752832, true},
		{"binlog-v2.1.0-0000000000000004-20181010101010", 4, 0, true},
		{"binlog-0000000000000005-20181010101010.tmp", 0, 0, false},
		{"binlog-0000000000000005-2018", 0, 0, false},
		{"binlog-", 0, 0, false},
		{"binlog-abc", 0, 0, false},
		{"binlog-+1", 0, 0, false},
		{"binlog-0000000000000003-20181010101010-x.tar.gz", 0, 0, false},
		{"binlog-1-2-3-4", 0, 0, false},
		{".lock", 0, 0, false},
		{"savepoint", 0, 0, false},
		{"Binlog-0000000000000001", 0, 0, false},
	}
	for _, c := range cases {
		index, ts, ok := ParseFileName(c.name)
		require.Equal(t, c.ok, ok, c.name)
		require.Equal(t, c.index, index, c.name)
		require.Equal(t, c.ts, ts, c.name)
	}
	require.True(t, IsCompressed("binlog-0000000000000003-20181010101010-1.tar.gz"))
	require.False(t, IsCompressed("binlog-0000000000000003-20181010101010"))
}

func TestReadDirOrderAndFiltering(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{
		"binlog-0000000000000010-20181010101010",
		"binlog-0000000000000002-20181010101010-77.tar.gz",
		"binlog-0000000000000001",
		"binlog-0000000000000003-20181010101010.tmp",
		".lock", "savepoint", "notes.txt",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), nil, 0o600))
	}
	require.NoError(t, os.Mkdir(filepath.Join(dir, "binlog-0000000000000005"), 0o700))
	files, err := ReadDir(dir)
	require.NoError(t, err)
	require.Equal(t, []string{
		filepath.Join(dir, "binlog-0000000000000001"),
		filepath.Join(dir, "binlog-0000000000000002-20181010101010-77.tar.gz"),
		filepath.Join(dir, "binlog-0000000000000010-20181010101010"),
	}, files)

	empty, err := ReadDir(t.TempDir())
	require.NoError(t, err)
	require.Empty(t, empty)
	_, err = ReadDir(filepath.Join(dir, "missing"))
	require.ErrorIs(t, err, os.ErrNotExist)
}
