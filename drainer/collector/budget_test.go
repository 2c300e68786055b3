package collector

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/membudget"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

// addSized stores a binlog at ts whose payload is about n bytes.
func (f *fakePump) addSized(t *testing.T, ts int64, n int) {
	t.Helper()
	b := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, ts-1, ts)
	b.PrewriteValue = make([]byte, n)
	p, err := proto.Marshal(b)
	require.NoError(t, err)
	f.addRaw(ts, p)
}

// budgetHarness runs a collector charging bud; its consumer keeps every
// binlog it took until release is called (as the sink would confirm it).
type budgetHarness struct {
	*harness
	bud  *membudget.Budget
	mu   sync.Mutex
	held []*binlogpb.Binlog
}

func runBudgeted(t *testing.T, bud *membudget.Budget, reg PumpLister) *budgetHarness {
	t.Helper()
	c, err := New(Config{DetectInterval: time.Hour, RetryInterval: 20 * time.Millisecond},
		Deps{Registry: reg, Budget: bud})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	h := &budgetHarness{harness: &harness{c: c, cancel: cancel, done: make(chan error, 1)}, bud: bud}
	go func() { h.done <- c.Run(ctx) }()
	go func() {
		for b := range c.Output() {
			h.mu.Lock()
			h.held = append(h.held, b)
			h.mu.Unlock()
			h.harness.mu.Lock()
			h.got = append(h.got, b.GetCommitTs())
			h.harness.mu.Unlock()
		}
	}()
	t.Cleanup(func() { h.stop(t) })
	return h
}

// release confirms every binlog taken so far.
func (h *budgetHarness) release() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, b := range h.held {
		h.bud.Release(b)
	}
	h.held = nil
}

func TestBudgetBoundsOnePump(t *testing.T) {
	a := startFakePump(t)
	for ts := int64(10); ts <= 50; ts += 10 {
		a.addSized(t, ts, 400)
	}
	reg := newMemRegistry()
	reg.set("a", a.addr, registry.Online)
	bud := membudget.New(1000)
	h := runBudgeted(t, bud, reg)
	// Two binlogs fit; the third waits until the downstream confirms them.
	h.waitOutput(t, 10, 20)
	require.Never(t, func() bool { return len(h.output()) > 2 }, 200*time.Millisecond, tick)
	require.LessOrEqual(t, bud.Used(), int64(1000))
	h.release()
	h.waitOutput(t, 10, 20, 30, 40)
	h.release()
	h.waitOutput(t, 10, 20, 30, 40, 50)
	h.release()
	require.Eventually(t, func() bool { return bud.Used() == 0 }, waitFor, tick)
}

func TestBudgetGiantPassesAlone(t *testing.T) {
	a := startFakePump(t)
	a.addSized(t, 10, 300)
	a.addSized(t, 20, 5000) // larger than the whole budget
	a.addSized(t, 30, 300)
	reg := newMemRegistry()
	reg.set("a", a.addr, registry.Online)
	bud := membudget.New(1000)
	h := runBudgeted(t, bud, reg)
	h.waitOutput(t, 10)
	require.Never(t, func() bool { return len(h.output()) > 1 }, 200*time.Millisecond, tick,
		"the giant waits while anything else is held")
	h.release()
	h.waitOutput(t, 10, 20)
	require.Never(t, func() bool { return len(h.output()) > 2 }, 200*time.Millisecond, tick,
		"nothing joins the giant")
	h.release()
	h.waitOutput(t, 10, 20, 30)
}

// TestBudgetGiantOnOnePumpOfTwo: the merge needs a binlog from every pump;
// pump a's giant fills the budget while pump b has nothing queued, so b's
// binlogs are admitted anyway (everything held is queued before the merge
// and nothing downstream could free it): no deadlock.
func TestBudgetGiantOnOnePumpOfTwo(t *testing.T) {
	a, b := startFakePump(t), startFakePump(t)
	a.addSized(t, 10, 5000)
	a.addSized(t, 30, 5000)
	a.addSized(t, 50, 100)
	for _, ts := range []int64{20, 40, 60} {
		b.addSized(t, ts, 600)
	}
	reg := newMemRegistry()
	reg.set("a", a.addr, registry.Online)
	reg.set("b", b.addr, registry.Online)
	bud := membudget.New(1000)
	h := runBudgeted(t, bud, reg)
	want := []int64{10, 20, 30, 40, 50}
	for n := 1; n <= len(want); n++ {
		require.Eventually(t, func() bool { return len(h.output()) >= n }, waitFor, tick, "stuck after %v", h.output())
		h.release()
	}
	h.waitOutput(t, want...) // 60 waits for a's next binlog
	a.addSized(t, 70, 100)
	h.waitOutput(t, 10, 20, 30, 40, 50, 60)
}
