package storage

import (
	"context"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// BenchmarkPullArrival: 128 writers write transactions as TiDB does (the
// prewrite acknowledged, then the commit written without waiting for it),
// fsync on, while one puller reads the stream; each op is a transaction.
// Reports how long after its commit ts was taken each commit reached the
// puller (arrival-p50/p99-µs) and after the commit's own acknowledgement
// (after-ack-p99-µs): what the index, sorter and pull add to its write.
// That is split in three stages, each with its p50 and p99: ack to indexed
// (the KV queue and the leveldb batch), indexed to published (the sorter's
// wait for the prewrites that may still get a smaller commit ts) and
// published to arrival (the pull's wake-up, read, merge and channel).
func BenchmarkPullArrival(b *testing.B) {
	o := testOptions()
	o.SyncLog = true
	o.KV = DefaultKVOptions()
	var st arrivalStages
	k := defaultKnobs()
	k.afterIndex, k.afterPublish = st.indexed, st.published
	a, err := openWithKnobs(b.TempDir(), o, k)
	require.NoError(b, err)
	defer func() { require.NoError(b, a.Close()) }()

	var taken, acked sync.Map // commit ts -> time
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := a.PullCommitBinlog(ctx, 0)
	arrived := make(map[int64]time.Time, b.N)
	all := make(chan struct{})
	go func() {
		for pb := range ch {
			arrived[pb.CommitTS] = time.Now()
			if len(arrived) == b.N {
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
		b.Fatalf("pulled %d of %d commits", len(arrived), b.N)
	}
	elapsed := time.Since(t0)
	b.StopTimer()
	b.ReportMetric(float64(2*b.N)/elapsed.Seconds(), "binlogs/s")
	st.report(b, arrived, &taken, &acked)
}

// arrivalStages records when each commit was indexed and each watermark
// published.
type arrivalStages struct {
	mu       sync.Mutex
	indexAt  map[int64]time.Time
	pubTimes []time.Time
	pubTS    []int64 // ascending
}

func (s *arrivalStages) indexed(items []kvItem) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.indexAt == nil {
		s.indexAt = make(map[int64]time.Time)
	}
	for _, it := range items {
		if it.tp == binlogpb.BinlogType_Commit {
			s.indexAt[it.commit] = now
		}
	}
}

func (s *arrivalStages) published(ts int64) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pubTimes, s.pubTS = append(s.pubTimes, now), append(s.pubTS, ts)
}

// publishedAt is when the first watermark at or above ts was published.
func (s *arrivalStages) publishedAt(ts int64) time.Time {
	i := sort.Search(len(s.pubTS), func(i int) bool { return s.pubTS[i] >= ts })
	if i == len(s.pubTS) {
		return time.Time{}
	}
	return s.pubTimes[i]
}

func (s *arrivalStages) report(b *testing.B, arrived map[int64]time.Time, taken, acked *sync.Map) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var arrival, afterAck, toIndex, toPublish, toArrive []time.Duration
	for commit, at := range arrived {
		t, _ := taken.Load(commit)
		arrival = append(arrival, at.Sub(t.(time.Time)))
		ack, ok := acked.Load(commit)
		if !ok { // pulled before its own acknowledgement was recorded
			afterAck = append(afterAck, 0)
			continue
		}
		afterAck = append(afterAck, at.Sub(ack.(time.Time)))
		idx, pub := s.indexAt[commit], s.publishedAt(commit)
		toIndex = append(toIndex, max(0, idx.Sub(ack.(time.Time))))
		toPublish = append(toPublish, max(0, pub.Sub(idx)))
		toArrive = append(toArrive, max(0, at.Sub(pub)))
	}
	for _, m := range []struct {
		name string
		d    []time.Duration
		p50  bool
	}{{"arrival", arrival, true}, {"after-ack", afterAck, false}, {"ack-index", toIndex, true},
		{"index-publish", toPublish, true}, {"publish-arrival", toArrive, true}} {
		slices.Sort(m.d)
		if m.p50 {
			b.ReportMetric(float64(m.d[len(m.d)/2].Microseconds()), m.name+"-p50-µs")
		}
		b.ReportMetric(float64(m.d[len(m.d)*99/100].Microseconds()), m.name+"-p99-µs")
	}
}
