package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkPullBacklog: a drainer catching up. b.N transactions are
// written first (no fsync), then pulled from 0 with the recent-records
// cache off, so that every record is read from the value log (from the page
// cache); each op is a commit pulled. Reports the process CPU per commit
// (cpu-µs/commit), which depends less on the machine's load than ns/op.
func BenchmarkPullBacklog(b *testing.B) {
	for _, size := range []int{1 << 10, 100 << 10} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) { benchmarkPullBacklog(b, size) })
	}
}

func benchmarkPullBacklog(b *testing.B, size int) {
	k := defaultKnobs()
	k.recentBytes = 0
	o := testOptions()
	o.KV = DefaultKVOptions()
	a, err := openWithKnobs(b.TempDir(), o, k)
	require.NoError(b, err)
	defer func() { require.NoError(b, a.Close()) }()
	ctx := context.Background()
	value := string(make([]byte, size))
	ts := newTSO()
	var wg sync.WaitGroup
	per := (b.N + 15) / 16
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range min(per, b.N-w*per) {
				start := ts.next()
				if err := writeB(ctx, a, prewrite(start, value)); err != nil {
					b.Error(err)
					return
				}
				if err := writeB(ctx, a, commitOf(start, ts.next())); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	require.Eventually(b, func() bool { return a.MaxCommitTS() >= ts.last.Load() }, 30*time.Second, time.Millisecond)

	errEnough := errors.New("enough")
	got := 0
	b.ResetTimer()
	cpu0 := processCPUTime()
	err = a.PullCommitBinlogFunc(ctx, 0, func(pb PulledBinlog) error {
		if got++; got == b.N {
			return errEnough
		}
		return nil
	})
	cpu := processCPUTime() - cpu0
	b.StopTimer()
	require.ErrorIs(b, err, errEnough)
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/commit")
}

// processCPUTime is the user and system CPU time of the test process.
func processCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
