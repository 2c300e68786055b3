package storage

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// testKnobs shortens every internal timing.
func testKnobs() knobs {
	k := defaultKnobs()
	k.tick = 5 * time.Millisecond
	k.spaceRefresh = 5 * time.Millisecond
	k.kvBlockedTimeout = 20 * time.Millisecond
	k.chaserPoll = 5 * time.Millisecond
	k.recoveryCoolDown = 0
	k.kvRetry = 5 * time.Millisecond
	k.gcL0Pause = 5 * time.Millisecond
	return k
}

func testOptions() Options {
	o := DefaultOptions()
	o.StopWriteAtAvailableSpace = 0
	o.KV.WriteBuffer = 1 << 20
	o.KV.BlockCacheCapacity = 1 << 20
	o.ResolveAfter = 10 * time.Millisecond
	return o
}

func openTest(t testing.TB, dir string, o Options) *Append {
	t.Helper()
	a, err := openWithKnobs(dir, o, testKnobs())
	require.NoError(t, err)
	return a
}

func closeTest(t testing.TB, a *Append) {
	t.Helper()
	require.NoError(t, a.Close())
}

// tso hands out increasing timestamps with a realistic physical part.
type tsoGen struct{ last atomic.Int64 }

func newTSO() *tsoGen {
	t := &tsoGen{}
	t.last.Store(time.Now().UnixMilli() << 18)
	return t
}

func (t *tsoGen) next() int64 { return t.last.Add(1) }

func prewrite(start int64, value string) *binlogpb.Binlog {
	b := binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, start, 0)
	b.PrewriteKey = []byte("pk")
	b.PrewriteValue = []byte(value)
	return b
}

func commitOf(start, commit int64) *binlogpb.Binlog {
	return binlogpb.NewBinlog(binlogpb.BinlogType_Commit, start, commit)
}

func fake(ts int64) *binlogpb.Binlog { return binlogpb.NewBinlog(binlogpb.BinlogType_Rollback, ts, ts) }

func mustWrite(t testing.TB, a *Append, b *binlogpb.Binlog) {
	t.Helper()
	require.NoError(t, writeB(context.Background(), a, b))
}

// writeTxn writes a prewrite and its commit and returns the commit ts.
func writeTxn(t testing.TB, a *Append, ts *tsoGen, value string) (start, commit int64) {
	t.Helper()
	start = ts.next()
	mustWrite(t, a, prewrite(start, value))
	commit = ts.next()
	mustWrite(t, a, commitOf(start, commit))
	return start, commit
}

// receive reads n items, failing after a generous deadline.
func receive(t testing.TB, ch <-chan PulledBinlog, n int) []PulledBinlog {
	t.Helper()
	out := make([]PulledBinlog, 0, n)
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for len(out) < n {
		select {
		case b, ok := <-ch:
			require.True(t, ok, "pull channel closed after %d of %d", len(out), n)
			require.NoError(t, b.Err, "pull stream ended after %d of %d", len(out), n)
			out = append(out, b)
		case <-deadline.C:
			require.FailNow(t, "timeout", "received %d of %d", len(out), n)
		}
	}
	return out
}

// requireNothing asserts that nothing is pulled while the watermark stays.
func requireNothing(t testing.TB, ch <-chan PulledBinlog) {
	t.Helper()
	select {
	case b := <-ch:
		require.FailNow(t, "unexpected binlog", "%+v", b)
	default:
	}
}

func unmarshal(t testing.TB, payload []byte) *binlogpb.Binlog {
	t.Helper()
	b := new(binlogpb.Binlog)
	require.NoError(t, proto.Unmarshal(payload, b))
	return b
}

func counterValue(t testing.TB, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue metric
				}
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return 0
}

func protoMarshal(b *binlogpb.Binlog) ([]byte, error) { return proto.Marshal(b) }

// sorterQueued is the number of items the sorter holds (for assertions).
func (a *Append) sorterQueued() int {
	a.sorter.mu.Lock()
	defer a.sorter.mu.Unlock()
	return len(a.sorter.queue) - a.sorter.head + len(a.sorter.pend) - a.sorter.pendHead
}

// sorterHolds reports whether the sorter holds, unprocessed, the commit
// with commit ts commit.
func (a *Append) sorterHolds(commit int64) bool {
	a.sorter.mu.Lock()
	defer a.sorter.mu.Unlock()
	for _, it := range a.sorter.queue[a.sorter.head:] {
		if it.commit == commit {
			return true
		}
	}
	return false
}

func newRegistry() *prometheus.Registry { return prometheus.NewRegistry() }

// receiveUntilEnd reads until the stream ends with an error (returned) or
// stays idle for a while (nil).
func receiveUntilEnd(t testing.TB, ch <-chan PulledBinlog) ([]PulledBinlog, error) {
	t.Helper()
	var out []PulledBinlog
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case b, ok := <-ch:
			if !ok {
				return out, nil
			}
			if b.Err != nil {
				_, open := <-ch
				require.False(t, open, "the channel closes after the error")
				return out, b.Err
			}
			out = append(out, b)
		case <-time.After(300 * time.Millisecond):
			return out, nil
		case <-deadline.C:
			require.FailNow(t, "timeout")
		}
	}
}

func commitTSs(bs []PulledBinlog) []int64 {
	out := make([]int64, 0, len(bs))
	for _, b := range bs {
		out = append(out, b.CommitTS)
	}
	return out
}

// writeB writes b marshaled, as the pump does with a received payload.
func writeB(ctx context.Context, a *Append, b *binlogpb.Binlog) error {
	payload, err := proto.Marshal(b)
	if err != nil {
		return err
	}
	return a.WriteBinlog(ctx, b.Header(), payload)
}
