package kafka

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
)

func TestWindowOrderStallAndReplay(t *testing.T) {
	w := newWindow(90 << 20)
	a, stall, ok := w.track(ddlItem(10, "a", false), 50<<20, false)
	require.True(t, ok)
	require.Nil(t, stall, "one message never stalls, however big")
	b, stall, ok := w.track(ddlItem(20, "b", false), 50<<20, false)
	require.True(t, ok)
	require.NotNil(t, stall, "100 MiB pending over two messages stalls")
	_, _, ok = w.track(ddlItem(20, "replay", false), 1, false)
	require.False(t, ok, "a commit ts not above the last is not tracked")
	skipped, _, ok := w.track(ddlItem(30, "skip", true), 0, true)
	require.True(t, ok)
	require.NotNil(t, skipped)

	require.Empty(t, w.ack(b), "b waits for a")
	select {
	case <-stall:
	default:
		t.Fatal("acking b brought the window under the limit")
	}
	got := w.ack(a)
	require.Equal(t, []int64{10, 20, 30}, commitTSs(got))
	require.Zero(t, w.pendingBytes())
}

func TestWindowStalledAfterTimeout(t *testing.T) {
	w := newWindow(1 << 20)
	_, _, ok := w.stalled(time.Nanosecond)
	require.False(t, ok, "an empty window never times out")
	p, _, _ := w.track(ddlItem(10, "a", false), 1, false)
	require.Eventually(t, func() bool {
		ts, n, ok := w.stalled(20 * time.Millisecond)
		return ok && ts == 10 && n == 1
	}, 5*time.Second, 5*time.Millisecond)
	w.ack(p)
	_, _, ok = w.stalled(0)
	require.False(t, ok)
}

func commitTSs(items []*sink.Item) []int64 {
	var out []int64
	for _, it := range items {
		out = append(out, it.CommitTS())
	}
	return out
}
