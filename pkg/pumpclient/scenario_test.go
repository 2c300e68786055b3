package pumpclient

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// txnLoad runs writers that each loop over prewrite, then commit, with
// real PD timestamps, the way TiDB's 2PC uses the client.
type txnLoad struct {
	cli    *PumpsClient
	tso    func(context.Context) (int64, error)
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	done   atomic.Int64 // completed transactions

	mu        sync.Mutex
	calledAt  map[int64]time.Time // start_ts -> when WriteBinlog(prewrite) was called
	committed []int64             // start_ts of transactions whose prewrite succeeded
	errs      []error
}

func startLoad(cli *PumpsClient, tso func(context.Context) (int64, error), writers int) *txnLoad {
	ctx, cancel := context.WithCancel(context.Background())
	l := &txnLoad{cli: cli, tso: tso, ctx: ctx, cancel: cancel, calledAt: map[int64]time.Time{}}
	for range writers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for l.ctx.Err() == nil {
				l.txn()
			}
		}()
	}
	return l
}

func (l *txnLoad) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *txnLoad) txn() {
	start, err := l.tso(l.ctx)
	if err != nil {
		if l.ctx.Err() == nil {
			l.fail(err)
		}
		return
	}
	l.mu.Lock()
	l.calledAt[start] = time.Now()
	l.mu.Unlock()
	if err := l.cli.WriteBinlog(binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, start, 0)); err != nil {
		l.fail(err)
		return
	}
	commit, err := l.tso(context.Background())
	if err != nil {
		l.fail(err)
		return
	}
	_ = l.cli.WriteBinlog(binlogpb.NewBinlog(binlogpb.BinlogType_Commit, start, commit)) // never fails
	l.mu.Lock()
	l.committed = append(l.committed, start)
	l.mu.Unlock()
	l.done.Add(1)
}

// waitMore waits until k more transactions completed.
func (l *txnLoad) waitMore(t *testing.T, k int64) {
	t.Helper()
	target := l.done.Load() + k
	require.Eventually(t, func() bool { return l.done.Load() >= target }, 30*time.Second, tick)
}

func (l *txnLoad) stop() {
	l.cancel()
	l.wg.Wait()
}

func isAvailable(c *PumpsClient, nodeID string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.available[nodeID]
	return ok
}

func okCalls(p *recordingProxy, tp binlogpb.BinlogType) map[int64]bool {
	out := map[int64]bool{}
	for _, c := range p.snapshot() {
		if c.ok && !c.probe && c.tp == tp {
			out[c.startTS] = true
		}
	}
	return out
}

// TestRealPumpsFailoverUnderLoad runs writers against three real pumps:
// pump-a crashes (its connections drop while etcd still says online) and
// comes back, pump-b is paused through its HTTP API and restarted. No
// writer ever sees an error, no prewrite goes to the paused pump, every
// commit lands on its prewrite's pump, and the pumps serve the
// transactions to a puller.
func TestRealPumpsFailoverUnderLoad(t *testing.T) {
	c := newTestCluster(t)
	tso := newTSO(t, c)
	pumps := []*realPump{startRealPump(c, "pump-a"), startRealPump(c, "pump-b"), startRealPump(c, "pump-c")}
	a, b := pumps[0], pumps[1]
	cli := c.newClient(Range, 2*time.Second, WithDetectInterval(200*time.Millisecond),
		WithCommitBinlogTimeout(time.Minute), WithCommitRetryInterval(50*time.Millisecond))
	load := startLoad(cli, tso, 4)
	defer load.stop()
	load.waitMore(t, 30)
	for _, p := range pumps {
		require.NotZero(t, p.proxy.prewriteCalls(), "%s used", p.id)
	}

	// pump-a crashes: writes move to the others; after the detect interval
	// the restarted pump takes prewrites again.
	a.proxy.stop()
	require.Eventually(t, func() bool { return !isAvailable(cli, a.id) }, waitFor, tick)
	load.waitMore(t, 60)
	aBefore := len(okCalls(a.proxy, binlogpb.BinlogType_Prewrite))
	a.proxy.restart()
	require.Eventually(t, func() bool { return isAvailable(cli, a.id) }, waitFor, tick)
	require.Eventually(t, func() bool { return len(okCalls(a.proxy, binlogpb.BinlogType_Prewrite)) > aBefore }, waitFor, tick)

	// pump-b is paused: no prewrite started after the client noticed goes there.
	b.pause()
	require.Eventually(t, func() bool { return !isAvailable(cli, b.id) }, waitFor, tick)
	pausedAt := time.Now()
	load.waitMore(t, 100)
	restartAt := time.Now()
	checkNoPrewriteBetween(t, load, b.proxy, pausedAt, restartAt)
	b.start()
	require.Eventually(t, func() bool { return isAvailable(cli, b.id) }, waitFor, tick)
	load.waitMore(t, 30)
	load.stop()

	load.mu.Lock()
	require.Empty(t, load.errs, "writers never see an error")
	committed := append([]int64(nil), load.committed...)
	load.mu.Unlock()
	home := checkCommitsFollowPrewrites(t, pumps, committed)
	for _, p := range pumps {
		t.Logf("%s: %d prewrites acknowledged", p.id, len(okCalls(p.proxy, binlogpb.BinlogType_Prewrite)))
	}
	t.Logf("%d transactions, pause window %v", len(committed), restartAt.Sub(pausedAt))
	checkPumpsServeCommits(t, c, pumps, home)
}

func checkNoPrewriteBetween(t *testing.T, load *txnLoad, p *recordingProxy, from, to time.Time) {
	t.Helper()
	load.mu.Lock()
	defer load.mu.Unlock()
	for _, call := range p.snapshot() {
		if call.probe || call.tp != binlogpb.BinlogType_Prewrite {
			continue
		}
		at := load.calledAt[call.startTS]
		require.False(t, at.After(from) && at.Before(to), "prewrite %d sent to the paused pump", call.startTS)
	}
}

// checkCommitsFollowPrewrites returns, for each committed start_ts, the
// index of the pump that holds its commit, after checking that the same
// pump acknowledged its prewrite and no other pump got its commit.
func checkCommitsFollowPrewrites(t *testing.T, pumps []*realPump, committed []int64) map[int64]int {
	t.Helper()
	pre := make([]map[int64]bool, len(pumps))
	com := make([]map[int64]bool, len(pumps))
	for i, p := range pumps {
		pre[i] = okCalls(p.proxy, binlogpb.BinlogType_Prewrite)
		com[i] = okCalls(p.proxy, binlogpb.BinlogType_Commit)
	}
	home := map[int64]int{}
	for _, ts := range committed {
		holders := 0
		for i := range pumps {
			if com[i][ts] {
				holders++
				home[ts] = i
				require.True(t, pre[i][ts], "commit %d on %s without its prewrite", ts, pumps[i].id)
			}
		}
		require.Equal(t, 1, holders, "commit of %d on exactly one pump", ts)
	}
	require.NotEmpty(t, committed)
	return home
}

// checkPumpsServeCommits pulls from every pump that holds no orphan
// prewrite (one a crash left without its commit blocks that pump's
// watermark until it is resolved) and checks it serves exactly its
// transactions.
func checkPumpsServeCommits(t *testing.T, c *testCluster, pumps []*realPump, home map[int64]int) {
	t.Helper()
	checked := 0
	for i, p := range pumps {
		want := map[int64]bool{}
		for ts, h := range home {
			if h == i {
				want[ts] = true
			}
		}
		orphan := false
		for ts := range okCalls(p.proxy, binlogpb.BinlogType_Prewrite) {
			if h, ok := home[ts]; !ok || h != i {
				orphan = true
			}
		}
		if orphan {
			t.Logf("%s holds a prewrite without commit; not pulled", p.id)
			continue
		}
		seen := p.pullCommitted(want, c.pd.ClusterID())
		for ts := range want {
			require.True(t, seen[ts], "%s serves %d", p.id, ts)
		}
		for ts := range seen {
			if h, ok := home[ts]; ok {
				require.Equal(t, i, h, "%d served by %s only", ts, p.id)
			}
		}
		checked++
	}
	require.NotZero(t, checked)
}

// TestRealPumpRegisteredWhileRunning: a pump started after the client
// receives prewrites and their commits without a client restart.
func TestRealPumpRegisteredWhileRunning(t *testing.T) {
	c := newTestCluster(t)
	tso := newTSO(t, c)
	first := startRealPump(c, "pump-first")
	cli := c.newClient(Range, 2*time.Second)
	load := startLoad(cli, tso, 2)
	defer load.stop()
	load.waitMore(t, 10)

	second := startRealPump(c, "pump-second")
	require.Eventually(t, func() bool { return isAvailable(cli, second.id) }, waitFor, tick)
	require.Eventually(t, func() bool { return len(okCalls(second.proxy, binlogpb.BinlogType_Commit)) >= 5 }, waitFor, tick)
	load.stop()
	load.mu.Lock()
	require.Empty(t, load.errs)
	committed := append([]int64(nil), load.committed...)
	load.mu.Unlock()
	home := checkCommitsFollowPrewrites(t, []*realPump{first, second}, committed)
	checkPumpsServeCommits(t, c, []*realPump{first, second}, home)
}

// TestRealPumpsAllDown: with every pump unreachable the writer gets the
// error shortly after the write timeout, and once the pumps are closed
// (registered paused) at once.
func TestRealPumpsAllDown(t *testing.T) {
	c := newTestCluster(t)
	tso := newTSO(t, c)
	pumps := []*realPump{startRealPump(c, "pump-x"), startRealPump(c, "pump-y")}
	const timeout = time.Second
	cli := c.newClient(Range, timeout)
	ts, err := tso(context.Background())
	require.NoError(t, err)
	require.NoError(t, writeTxn(cli, ts))

	for _, p := range pumps {
		p.proxy.stop() // unreachable, still online in etcd
	}
	start := time.Now()
	err = cli.WriteBinlog(prewrite(ts + 10))
	require.ErrorContains(t, err, "write binlog failed, the last error")
	require.Less(t, time.Since(start), timeout+time.Second)

	for _, p := range pumps {
		p.close()
	}
	require.Eventually(t, func() bool { return cli.availableCount() == 0 && len(cli.onlinePumps()) == 0 }, waitFor, tick)
	start = time.Now()
	err = cli.WriteBinlog(prewrite(ts + 20))
	require.ErrorIs(t, err, ErrNoAvailablePump)
	require.Less(t, time.Since(start), time.Second)
}
