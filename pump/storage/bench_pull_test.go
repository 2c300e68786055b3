package storage

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkPullArrival: 128 writers write transactions as TiDB does (the
// prewrite acknowledged, then the commit written without waiting for it),
// fsync on, while one puller reads the stream; each op is a transaction.
// Reports how long after its commit ts was taken each commit reached the
// puller (arrival-p50/p99-µs) and after the commit's own acknowledgement
// (after-ack-p99-µs): what the index, sorter and pull add to its write.
func BenchmarkPullArrival(b *testing.B) {
	o := testOptions()
	o.SyncLog = true
	o.KV = DefaultKVOptions()
	a, err := Open(b.TempDir(), o)
	require.NoError(b, err)
	defer func() { require.NoError(b, a.Close()) }()

	var taken, acked sync.Map // commit ts -> time
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := a.PullCommitBinlog(ctx, 0)
	var arrival, afterAck []time.Duration
	all := make(chan struct{})
	go func() {
		for pb := range ch {
			now := time.Now()
			t, _ := taken.Load(pb.CommitTS)
			arrival = append(arrival, now.Sub(t.(time.Time)))
			if t, ok := acked.Load(pb.CommitTS); ok {
				afterAck = append(afterAck, now.Sub(t.(time.Time)))
			} else {
				afterAck = append(afterAck, 0)
			}
			if len(arrival) == b.N {
				close(all)
			}
		}
	}()

	value := make([]byte, 1024)
	ts := newTSO()
	var (
		wg, commits sync.WaitGroup
		next        atomic.Int64
	)
	b.ResetTimer()
	t0 := time.Now()
	for range 128 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				start := ts.next()
				if err := writeB(ctx, a, prewrite(start, string(value))); err != nil {
					b.Error(err)
					return
				}
				commit := ts.next()
				taken.Store(commit, time.Now())
				commits.Add(1)
				go func() {
					defer commits.Done()
					if err := writeB(ctx, a, commitOf(start, commit)); err != nil {
						b.Error(err)
					}
					acked.Store(commit, time.Now())
				}()
			}
		}()
	}
	wg.Wait()
	commits.Wait()
	select {
	case <-all:
	case <-time.After(30 * time.Second):
		b.Fatalf("pulled %d of %d commits", len(arrival), b.N)
	}
	elapsed := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(2*b.N)/elapsed.Seconds(), "binlogs/s")
	slices.Sort(arrival)
	slices.Sort(afterAck)
	b.ReportMetric(float64(arrival[len(arrival)/2].Microseconds()), "arrival-p50-µs")
	b.ReportMetric(float64(arrival[len(arrival)*99/100].Microseconds()), "arrival-p99-µs")
	b.ReportMetric(float64(afterAck[len(afterAck)*99/100].Microseconds()), "after-ack-p99-µs")
}
