package collector

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestMergeTwoPumpsInOrder(t *testing.T) {
	a, b := startFakePump(t), startFakePump(t)
	a.add(10, 30, 50)
	b.add(20, 40, 60)
	reg := newMemRegistry()
	reg.set("a", a.addr, registry.Online)
	reg.set("b", b.addr, registry.Online)
	h := runCollector(t, Config{InitialTS: 5}, reg)
	// 60 waits for a's next binlog.
	h.waitOutput(t, 10, 20, 30, 40, 50)
	require.Never(t, func() bool { return len(h.output()) > 5 }, 100*time.Millisecond, tick)
	a.add(70)
	h.waitOutput(t, 10, 20, 30, 40, 50, 60)
	require.Equal(t, map[string]int64{"a": 70, "b": 60}, h.c.PumpPositions())
	require.EqualValues(t, 60, h.c.LatestTS())
	require.Equal(t, []int64{5}, a.startOffsets())
}

func TestPausedPumpStallsOfflineReleases(t *testing.T) {
	a, b := startFakePump(t), startFakePump(t)
	a.add(10, 20)
	reg := newMemRegistry()
	reg.set("a", a.addr, registry.Online)
	reg.set("b", b.addr, registry.Paused)
	h := runCollector(t, Config{}, reg)
	require.Never(t, func() bool { return len(h.output()) > 0 }, 200*time.Millisecond, tick)
	require.Empty(t, b.startOffsets(), "a paused pump is not pulled")

	reg.set("b", b.addr, registry.Offline)
	h.notify(t)
	h.waitOutput(t, 10, 20)
	require.Equal(t, map[string]int64{"a": 20}, h.c.PumpPositions())
}

func TestPauseAndResumeKnownPump(t *testing.T) {
	a := startFakePump(t)
	a.add(10)
	reg := newMemRegistry()
	reg.set("a", a.addr, registry.Online)
	h := runCollector(t, Config{}, reg)
	h.waitOutput(t, 10)

	reg.set("a", a.addr, registry.Paused)
	h.notify(t)
	a.add(20)
	require.Never(t, func() bool { return len(h.output()) > 1 }, 200*time.Millisecond, tick)

	reg.set("a", a.addr, registry.Pausing) // no change
	h.notify(t)
	reg.set("a", a.addr, registry.Online)
	h.notify(t)
	h.waitOutput(t, 10, 20)
	require.Equal(t, []int64{0, 10}, a.startOffsets())
}

func TestNewPumpFoundOnNotify(t *testing.T) {
	a, b := startFakePump(t), startFakePump(t)
	a.add(10, 20)
	reg := newMemRegistry()
	reg.set("a", a.addr, registry.Online)
	h := runCollector(t, Config{}, reg)
	h.waitOutput(t, 10, 20)

	b.add(25, 40)
	reg.set("b", b.addr, registry.Online)
	h.notify(t)
	a.add(30, 50)
	h.waitOutput(t, 10, 20, 25, 30, 40)
	require.Equal(t, []int64{20}, b.startOffsets(), "a new pump is pulled from the merge's latest ts")

	// Known-offline pumps that were never seen are ignored.
	reg.set("c", "127.0.0.1:1", registry.Offline)
	h.notify(t)
	require.NotContains(t, h.c.PumpPositions(), "c")
}

func TestDuplicateAndDisorderDropped(t *testing.T) {
	a := startFakePump(t)
	a.noFilter = true
	a.add(10, 20, 20, 15, 30)
	reg := newMemRegistry()
	reg.set("a", a.addr, registry.Online)
	c, err := New(Config{DetectInterval: time.Hour}, Deps{Registry: reg, Registerer: prometheus.NewRegistry()})
	require.NoError(t, err)
	h := runWith(t, c)
	h.waitOutput(t, 10, 20, 30)
	var m dto.Metric
	require.NoError(t, c.metrics.disorder.Write(&m))
	require.Equal(t, 2.0, m.GetCounter().GetValue())
}

func TestRestartFromTSAndRedialAfterCut(t *testing.T) {
	a := startFakePump(t)
	a.add(10, 20, 30, 40)
	a.failOnce(30, status.Error(codes.Unavailable, "cut"))
	reg := newMemRegistry()
	reg.set("a", a.addr, registry.Online)
	h := runCollector(t, Config{InitialTS: 10}, reg)
	h.waitOutput(t, 20, 30, 40)
	require.Equal(t, []int64{10, 20}, a.startOffsets())
}

func TestDataLossStops(t *testing.T) {
	a := startFakePump(t)
	a.add(10)
	reg := newMemRegistry()
	reg.set("a", a.addr, registry.Online)
	h := runCollector(t, Config{IgnoreTxnCommitTS: []int64{99}}, reg)
	// The binlog before the lost one is merged out first.
	h.waitOutput(t, 10)
	a.failOnce(20, status.Error(codes.DataLoss, "storage: read binlog at commit ts 20: checksum mismatch"))
	a.add(20, 30)
	var err error
	select {
	case err = <-h.done:
		close(h.done)
	case <-time.After(waitFor):
		t.Fatal("collector did not stop on data loss")
	}
	var dl *DataLossError
	require.ErrorAs(t, err, &dl)
	require.Equal(t, "a", dl.NodeID)
	require.EqualValues(t, 20, dl.CommitTS)
	require.Contains(t, err.Error(), "pump a")
	require.Contains(t, err.Error(), "commit ts 20")
	<-h.drained
	require.Equal(t, []int64{10}, h.output(), "nothing at or after the lost binlog")
}

// Binlogs received before the lost one are emitted before Output closes,
// even when nothing was read from Output before the collector stopped
// pulling: the downstream applies everything before the loss, and the
// checkpoint ends just before it.
func TestDataLossEmitsWhatPrecedesIt(t *testing.T) {
	a := startFakePump(t)
	a.add(10, 15)
	a.failOnce(20, status.Error(codes.DataLoss, "storage: read binlog at commit ts 20: checksum mismatch"))
	a.add(20, 30)
	reg := newMemRegistry()
	reg.set("a", a.addr, registry.Online)
	core, logs := observer.New(zap.ErrorLevel)
	c, err := New(Config{DetectInterval: time.Hour, RetryInterval: 20 * time.Millisecond},
		Deps{Registry: reg, Logger: zap.New(core)})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- c.Run(context.Background()) }()
	require.Eventually(t, func() bool { return logs.FilterMessage("collector stops").Len() > 0 }, waitFor, tick)

	var got []int64
	for b := range c.Output() {
		got = append(got, b.GetCommitTs())
	}
	require.Equal(t, []int64{10, 15}, got)
	var dl *DataLossError
	require.ErrorAs(t, <-done, &dl)
	require.EqualValues(t, 20, dl.CommitTS)
}

func TestDataLossIgnored(t *testing.T) {
	a := startFakePump(t)
	a.add(10, 20, 30)
	st, err := status.New(codes.DataLoss, "storage: binlog unreadable").WithDetails(&errdetails.ErrorInfo{
		Reason: "DATA_LOSS", Metadata: map[string]string{DataLossCommitTSKey: "20"},
	})
	require.NoError(t, err)
	a.failOnce(20, st.Err())
	reg := newMemRegistry()
	reg.set("a", a.addr, registry.Online)
	h := runCollector(t, Config{IgnoreTxnCommitTS: []int64{20}}, reg)
	h.waitOutput(t, 10, 30)
	require.EqualValues(t, 1, h.c.SkippedDataLoss())
	require.Equal(t, []int64{0, 20}, a.startOffsets())
}

func TestUnmarshalErrorIsFatal(t *testing.T) {
	a := startFakePump(t)
	a.add(10)
	a.addRaw(20, []byte{0xff, 0xff, 0xff})
	reg := newMemRegistry()
	reg.set("a", a.addr, registry.Online)
	h := runCollector(t, Config{}, reg)
	var err error
	select {
	case err = <-h.done:
		close(h.done)
	case <-time.After(waitFor):
		t.Fatal("collector did not stop on a bad payload")
	}
	var ue *UnmarshalError
	require.ErrorAs(t, err, &ue)
	require.Equal(t, "a", ue.NodeID)
	require.EqualValues(t, 20, ue.Offset)
}

func TestGzip(t *testing.T) {
	a := startFakePump(t)
	a.add(10, 20)
	reg := newMemRegistry()
	reg.set("a", a.addr, registry.Online)
	h := runCollector(t, Config{Compressor: CompressorGzip}, reg)
	h.waitOutput(t, 10, 20)
	a.mu.Lock()
	defer a.mu.Unlock()
	require.Contains(t, a.compression, "gzip")

	_, err := New(Config{Compressor: "snappy"}, Deps{Registry: reg})
	require.Error(t, err)
}

func TestNotifyAfterRunReturns(t *testing.T) {
	c, err := New(Config{}, Deps{Registry: newMemRegistry()})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.NoError(t, c.Run(ctx))
	require.ErrorIs(t, c.Notify(context.Background()), ErrClosed)
	require.ErrorIs(t, c.Run(context.Background()), ErrRunning)
	_, open := <-c.Output()
	require.False(t, open)
}

func runWith(t *testing.T, c *Collector) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{c: c, cancel: cancel, done: make(chan error, 1), drained: make(chan struct{})}
	go func() { h.done <- c.Run(ctx) }()
	go func() {
		defer close(h.drained)
		for b := range c.Output() {
			h.mu.Lock()
			h.got = append(h.got, b.GetCommitTs())
			h.mu.Unlock()
		}
	}()
	t.Cleanup(func() { h.stop(t) })
	return h
}

// failingRegistry fails every listing until ok is set.
type failingRegistry struct {
	*memRegistry
	mu sync.Mutex
	ok bool
}

var errList = errors.New("etcd down")

func (r *failingRegistry) Nodes(ctx context.Context, kind string) ([]*registry.Status, int64, error) {
	r.mu.Lock()
	ok := r.ok
	r.mu.Unlock()
	if !ok {
		return nil, 0, errList
	}
	return r.memRegistry.Nodes(ctx, kind)
}

func TestNotifyReturnsRefreshError(t *testing.T) {
	a := startFakePump(t)
	a.add(10)
	reg := &failingRegistry{memRegistry: newMemRegistry()}
	reg.set("a", a.addr, registry.Online)
	h := runCollector(t, Config{}, reg)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	require.ErrorIs(t, h.c.Notify(ctx), errList)
	require.Empty(t, h.output())

	reg.mu.Lock()
	reg.ok = true
	reg.mu.Unlock()
	h.notify(t)
	h.waitOutput(t, 10)
}
