package storage

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// BenchmarkWrite: W concurrent writers (1 and 128); each op writes a
// prewrite with a 1 KiB value and its commit, with fsync on. Reports
// binlogs/s (2 per op) and the p50/p99 WriteBinlog latency.
// STORAGE_BENCH_DIR selects the disk (default: the test temp dir).
func BenchmarkWrite(b *testing.B) {
	for _, writers := range []int{1, 128} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) { benchmarkWrite(b, writers) })
	}
}

func benchmarkWrite(b *testing.B, writers int) {
	dir := b.TempDir()
	if d := os.Getenv("STORAGE_BENCH_DIR"); d != "" {
		var err error
		dir, err = os.MkdirTemp(d, "bench")
		require.NoError(b, err)
		defer os.RemoveAll(dir)
	}
	o := testOptions()
	o.SyncLog = true
	o.KV = DefaultKVOptions()
	a, err := Open(dir, o)
	require.NoError(b, err)
	defer func() { require.NoError(b, a.Close()) }()

	value := make([]byte, 1024)
	for i := range value {
		value[i] = byte(i)
	}
	ts := newTSO()
	var (
		mu   sync.Mutex
		lat  []time.Duration
		wg   sync.WaitGroup
		next atomic.Int64
	)
	b.ResetTimer()
	t0 := time.Now()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := writeTxns(b, a, ts, value, func() bool { return next.Add(1) <= int64(b.N) })
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(2*b.N)/elapsed.Seconds(), "binlogs/s")
	if len(lat) > 0 {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	}
}

// writeTxns writes transactions (a prewrite, then its commit) while more
// says so, and returns the latency of every write.
func writeTxns(b *testing.B, a *Append, ts *tsoGen, value []byte, more func() bool) []time.Duration {
	local := make([]time.Duration, 0, 1024)
	ctx := context.Background()
	p := binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, 0, 0)
	p.PrewriteKey = []byte("primary-key")
	p.PrewriteValue = value
	c := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, 0, 0)
	for more() {
		start := ts.next()
		*p.StartTs = start
		payload, err := proto.Marshal(p) // the storage keeps it: a new one each time
		if err != nil {
			b.Error(err)
			return local
		}
		w0 := time.Now()
		if err := a.WriteBinlog(ctx, p.Header(), payload); err != nil {
			b.Error(err)
			return local
		}
		local = append(local, time.Since(w0))
		*c.StartTs, *c.CommitTs = start, ts.next()
		w0 = time.Now()
		if err := writeB(ctx, a, c); err != nil {
			b.Error(err)
			return local
		}
		local = append(local, time.Since(w0))
	}
	return local
}
