package storage

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// BenchmarkWrite: 128 concurrent writers (parallelism 64 x GOMAXPROCS 2),
// each op writes a prewrite with a 1 KiB value and its commit, with fsync
// on. Reports binlogs/s (2 per op) and the p99 WriteBinlog latency.
// STORAGE_BENCH_DIR selects the disk (default: the test temp dir).
func BenchmarkWrite(b *testing.B) {
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
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(128 / max(1, runtimeProcs()))
	b.ResetTimer()
	t0 := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		local := make([]time.Duration, 0, 1024)
		ctx := context.Background()
		p := binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, 0, 0)
		p.PrewriteKey = []byte("primary-key")
		p.PrewriteValue = value
		c := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, 0, 0)
		for pb.Next() {
			start := ts.next()
			*p.StartTs = start
			payload, err := proto.Marshal(p) // the storage keeps it: a new one each time
			if err != nil {
				b.Error(err)
				return
			}
			w0 := time.Now()
			if err := a.WriteBinlog(ctx, p, payload); err != nil {
				b.Error(err)
				return
			}
			local = append(local, time.Since(w0))
			*c.StartTs, *c.CommitTs = start, ts.next()
			w0 = time.Now()
			if err := a.WriteBinlog(ctx, c, nil); err != nil {
				b.Error(err)
				return
			}
			local = append(local, time.Since(w0))
		}
		mu.Lock()
		lat = append(lat, local...)
		mu.Unlock()
	})
	elapsed := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(2*b.N)/elapsed.Seconds(), "binlogs/s")
	if len(lat) > 0 {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	}
}
