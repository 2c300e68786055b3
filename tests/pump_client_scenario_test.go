//go:build integration

package tests

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/pdlite"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/pumpclient"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// TestPumpClientFailoverUnderLoad runs writers against three real pumps:
// pump-a crashes (its connections drop while etcd still says online) and
// comes back, pump-b is paused through its HTTP API and restarted. No
// writer ever sees an error, no prewrite goes to the paused pump, every
// commit lands on its prewrite's pump, and the pumps serve the
// transactions to a puller.
func TestPumpClientFailoverUnderLoad(t *testing.T) {
	pdl := pdlitetest.Start(t)
	tso := pcTSO(t, pdl)
	pumps := []*pcPump{startPCPump(t, pdl, "pump-a"), startPCPump(t, pdl, "pump-b"), startPCPump(t, pdl, "pump-c")}
	a, b := pumps[0], pumps[1]
	cli := pcClient(t, pdl, 2*time.Second, pumpclient.WithDetectInterval(200*time.Millisecond),
		pumpclient.WithCommitBinlogTimeout(time.Minute), pumpclient.WithCommitRetryInterval(50*time.Millisecond))
	load := startPCLoad(cli, tso, 4)
	defer load.stop()
	load.waitMore(t, 30)
	for _, p := range pumps {
		require.NotZero(t, p.proxy.prewriteCalls(), "%s used", p.id)
	}

	// pump-a crashes: writes move to the others; after the detect interval
	// the restarted pump takes prewrites again.
	a.proxy.stop()
	load.waitMore(t, 60)
	aBefore := len(pcOKCalls(a.proxy, binlogpb.BinlogType_Prewrite))
	a.proxy.restart()
	require.Eventually(t, func() bool { return len(pcOKCalls(a.proxy, binlogpb.BinlogType_Prewrite)) > aBefore }, pcWaitFor, pcTick)

	// pump-b is paused: no prewrite started after the client noticed goes there.
	b.pause()
	pcQuiet(t, b.proxy)
	pausedAt := time.Now()
	load.waitMore(t, 100)
	restartAt := time.Now()
	pcNoPrewriteBetween(t, load, b.proxy, pausedAt, restartAt)
	bBefore := len(pcOKCalls(b.proxy, binlogpb.BinlogType_Prewrite))
	b.start()
	require.Eventually(t, func() bool { return len(pcOKCalls(b.proxy, binlogpb.BinlogType_Prewrite)) > bBefore }, pcWaitFor, pcTick)
	load.waitMore(t, 30)
	load.stop()

	load.mu.Lock()
	require.Empty(t, load.errs, "writers never see an error")
	committed := append([]int64(nil), load.committed...)
	load.mu.Unlock()
	home := pcCommitsFollowPrewrites(t, pumps, committed)
	for _, p := range pumps {
		t.Logf("%s: %d prewrites acknowledged", p.id, len(pcOKCalls(p.proxy, binlogpb.BinlogType_Prewrite)))
	}
	t.Logf("%d transactions, pause window %v", len(committed), restartAt.Sub(pausedAt))
	pcPumpsServeCommits(t, pdl, pumps, home)
}

func pcNoPrewriteBetween(t *testing.T, load *pcLoad, p *pcProxy, from, to time.Time) {
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

// pcCommitsFollowPrewrites returns, for each committed start_ts, the index
// of the pump that holds its commit, after checking that the same pump
// acknowledged its prewrite and no other pump got its commit.
func pcCommitsFollowPrewrites(t *testing.T, pumps []*pcPump, committed []int64) map[int64]int {
	t.Helper()
	pre := make([]map[int64]bool, len(pumps))
	com := make([]map[int64]bool, len(pumps))
	for i, p := range pumps {
		pre[i] = pcOKCalls(p.proxy, binlogpb.BinlogType_Prewrite)
		com[i] = pcOKCalls(p.proxy, binlogpb.BinlogType_Commit)
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

// pcPumpsServeCommits pulls from every pump that holds no orphan prewrite
// (one a crash left without its commit blocks that pump's watermark until
// it is resolved) and checks it serves exactly its transactions.
func pcPumpsServeCommits(t *testing.T, pdl *pdlite.Server, pumps []*pcPump, home map[int64]int) {
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
		for ts := range pcOKCalls(p.proxy, binlogpb.BinlogType_Prewrite) {
			if h, ok := home[ts]; !ok || h != i {
				orphan = true
			}
		}
		if orphan {
			t.Logf("%s holds a prewrite without commit; not pulled", p.id)
			continue
		}
		seen := p.pullCommitted(want, pdl.ClusterID())
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

// TestPumpClientPumpRegisteredWhileRunning: a pump started after the client
// receives prewrites and their commits without a client restart.
func TestPumpClientPumpRegisteredWhileRunning(t *testing.T) {
	pdl := pdlitetest.Start(t)
	tso := pcTSO(t, pdl)
	first := startPCPump(t, pdl, "pump-first")
	cli := pcClient(t, pdl, 2*time.Second)
	load := startPCLoad(cli, tso, 2)
	defer load.stop()
	load.waitMore(t, 10)

	second := startPCPump(t, pdl, "pump-second")
	require.Eventually(t, func() bool { return len(pcOKCalls(second.proxy, binlogpb.BinlogType_Commit)) >= 5 }, pcWaitFor, pcTick)
	load.stop()
	load.mu.Lock()
	require.Empty(t, load.errs)
	committed := append([]int64(nil), load.committed...)
	load.mu.Unlock()
	home := pcCommitsFollowPrewrites(t, []*pcPump{first, second}, committed)
	pcPumpsServeCommits(t, pdl, []*pcPump{first, second}, home)
}

// TestPumpClientAllPumpsDown: with every pump unreachable the writer gets
// the error shortly after the write timeout, and once the pumps are closed
// (registered paused) at once.
func TestPumpClientAllPumpsDown(t *testing.T) {
	pdl := pdlitetest.Start(t)
	tso := pcTSO(t, pdl)
	pumps := []*pcPump{startPCPump(t, pdl, "pump-x"), startPCPump(t, pdl, "pump-y")}
	const timeout = time.Second
	cli := pcClient(t, pdl, timeout)
	ts, err := tso(context.Background())
	require.NoError(t, err)
	require.NoError(t, cli.WriteBinlog(binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, ts, 0)))
	require.NoError(t, cli.WriteBinlog(binlogpb.NewBinlog(binlogpb.BinlogType_Commit, ts, ts+1)))

	for _, p := range pumps {
		p.proxy.stop() // unreachable, still online in etcd
	}
	start := time.Now()
	err = cli.WriteBinlog(binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, ts+10, 0))
	require.ErrorContains(t, err, "write binlog failed, the last error")
	require.Less(t, time.Since(start), timeout+time.Second)

	for _, p := range pumps {
		p.close()
	}
	next := ts + 20
	require.Eventually(t, func() bool {
		next++
		start = time.Now()
		err = cli.WriteBinlog(binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, next, 0))
		return errors.Is(err, pumpclient.ErrNoAvailablePump)
	}, pcWaitFor, pcTick, "the client learns the pumps are paused")
	require.Less(t, time.Since(start), time.Second, "and then fails at once")
}
