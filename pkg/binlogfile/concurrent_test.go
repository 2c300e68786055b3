package binlogfile

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
)

// TestConcurrentWritersAndTailingReader: frames written by several
// goroutines are never interleaved, and a reader following the file while
// it grows sees every frame exactly once.
func TestConcurrentWritersAndTailingReader(t *testing.T) {
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	b, err := OpenBinlogger(dir, Options{Registerer: reg})
	require.NoError(t, err)
	const writers, each = 4, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := b.WriteTail(fmt.Appendf(nil, "w%d-%d", w, i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	files, err := ReadDir(dir)
	require.NoError(t, err)
	r := NewReaderWithOptions(files[0], 0, ReaderOptions{Registerer: reg})
	defer r.Close()
	seen := map[string]bool{}
	require.Eventually(t, func() bool {
		for {
			p, _, err := r.Next()
			if errors.Is(err, io.EOF) {
				return len(seen) == writers*each
			}
			require.NoError(t, err)
			require.False(t, seen[string(p)], "twice: %s", p)
			seen[string(p)] = true
		}
	}, 10*time.Second, time.Millisecond)
	wg.Wait()
	require.NoError(t, b.Close())

	mfs, err := reg.Gather()
	require.NoError(t, err)
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	require.Subset(t, names, []string{
		"binlog_binlogfile_write_binlog_size",
		"binlog_binlogfile_write_binlog_duration_time",
		"binlog_binlogfile_read_binlog_duration_time",
		"binlog_binlogfile_corruption_binlog_count",
	})
}
