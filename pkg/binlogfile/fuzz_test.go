package binlogfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzReader reads arbitrary bytes as a binlog file: the reader must end
// (io.EOF) without panicking, every payload it returns must be a frame that
// is really in the file, and offsets must only grow.
func FuzzReader(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "binlog-0000000000000000-20261206061048"))
	require.NoError(f, err)
	f.Add(golden)
	f.Add(golden[:len(golden)-7])
	f.Add(append(AppendFrame(nil, []byte("x")), golden[100:]...))
	f.Add([]byte{})
	f.Add([]byte{0x04, 0x05, 0x1b, 0x1c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "binlog-0000000000000000")
		require.NoError(t, os.WriteFile(path, data, 0o600))
		r := NewReader(path, 0, nil)
		defer r.Close()
		last := int64(0)
		for i := 0; ; i++ {
			require.Less(t, i, len(data)+1, "reader does not end")
			p, off, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			require.Greater(t, off, last)
			require.LessOrEqual(t, off, int64(len(data)))
			last = off
			var ce *CorruptionError
			if errors.As(err, &ce) {
				require.Less(t, ce.Offset, off)
				continue
			}
			require.NoError(t, err)
			start := off - int64(len(p)) - FrameOverhead
			require.Equal(t, AppendFrame(nil, p), data[start:off])
		}
	})
}
