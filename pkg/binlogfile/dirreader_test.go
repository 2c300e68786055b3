package binlogfile

import (
	"errors"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

type dirResult struct {
	payload string
	pos     Pos
	err     error
}

func drainDir(t *testing.T, d *DirReader) []dirResult {
	t.Helper()
	var out []dirResult
	for range 1000 {
		p, pos, err := d.Next()
		if errors.Is(err, io.EOF) {
			require.NoError(t, d.Close())
			return out
		}
		out = append(out, dirResult{string(p), pos, err})
	}
	t.Fatal("dir reader does not end")
	return nil
}

func TestDirReader(t *testing.T) {
	dir := t.TempDir()
	b, err := OpenBinlogger(dir, Options{MaxFileSize: 2 * (FrameOverhead + 2)})
	require.NoError(t, err)
	for _, p := range []string{"a1", "a2", "b1", "b2", "c1"} {
		require.NoError(t, b.WriteTail([]byte(p)))
	}
	require.NoError(t, b.Close())
	files, err := ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, files, 3)
	frame := int64(FrameOverhead + 2)

	d, err := NewDirReader(dir, Pos{}, ReaderOptions{})
	require.NoError(t, err)
	require.Equal(t, []dirResult{
		{"a1", Pos{0, frame}, nil}, {"a2", Pos{0, 2 * frame}, nil},
		{"b1", Pos{1, frame}, nil}, {"b2", Pos{1, 2 * frame}, nil},
		{"c1", Pos{2, frame}, nil},
	}, drainDir(t, d))

	// From a position returned before.
	d, err = NewDirReader(dir, Pos{1, frame}, ReaderOptions{})
	require.NoError(t, err)
	got := drainDir(t, d)
	require.Len(t, got, 2)
	require.Equal(t, "b2", got[0].payload)

	// A torn tail of a file that is not the last is reported; a damaged
	// frame too; reading goes on.
	data, err := os.ReadFile(files[1])
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(files[1], data[:len(data)-3], 0o600))
	data, err = os.ReadFile(files[0])
	require.NoError(t, err)
	data[3] ^= 0xff
	require.NoError(t, os.WriteFile(files[0], data, 0o600))
	d, err = NewDirReader(dir, Pos{}, ReaderOptions{})
	require.NoError(t, err)
	got = drainDir(t, d)
	require.Len(t, got, 5)
	var ce *CorruptionError
	require.ErrorAs(t, got[0].err, &ce)
	require.ErrorIs(t, ce, ErrMagicMismatch)
	require.Equal(t, files[0], ce.File)
	require.Equal(t, "a2", got[1].payload)
	require.Equal(t, "b1", got[2].payload)
	require.ErrorAs(t, got[3].err, &ce)
	require.Equal(t, files[1], ce.File)
	require.Equal(t, frame, ce.Offset)
	require.Equal(t, "c1", got[4].payload)

	// Empty directory.
	d, err = NewDirReader(t.TempDir(), Pos{}, ReaderOptions{})
	require.NoError(t, err)
	require.Empty(t, drainDir(t, d))
}
