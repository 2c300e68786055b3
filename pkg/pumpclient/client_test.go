package pumpclient

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

const waitFor, tick = 10 * time.Second, 10 * time.Millisecond

// startFakePumps starts n fake pumps registered online as pump-0, pump-1, ...
func startFakePumps(c *testCluster, n int) []*fakePump {
	var out []*fakePump
	for i := range n {
		f := startFakePump(c.t)
		c.setPump(fakeID(i), f.addr, registry.Online)
		out = append(out, f)
	}
	return out
}

func fakeID(i int) string { return "pump-" + string(rune('0'+i)) }

// placement maps start_ts to the pump that holds its prewrite and to the
// pump that holds its commit/rollback, failing on duplicates.
func placement(t *testing.T, pumps []*fakePump) (pre, commit map[int64]int) {
	pre, commit = map[int64]int{}, map[int64]int{}
	for i, f := range pumps {
		for _, r := range f.snapshot() {
			m := pre
			if r.tp != binlogpb.BinlogType_Prewrite {
				m = commit
			}
			_, dup := m[r.startTS]
			require.False(t, dup, "start_ts %d written twice", r.startTS)
			m[r.startTS] = i
		}
	}
	return pre, commit
}

func TestNoPumpFound(t *testing.T) {
	c := newTestCluster(t)
	_, err := NewPumpsClient(c.pd.ClientURL(), Range, time.Second, security.Config{}, fastOptions(t)...)
	require.ErrorIs(t, err, ErrNoPumpFound)
	require.Contains(t, err.Error(), "no pump found in pd")
}

func TestCommitFollowsPrewrite(t *testing.T) {
	for _, strategy := range []string{Range, Hash, Score} {
		t.Run(strategy, func(t *testing.T) {
			c := newTestCluster(t)
			pumps := startFakePumps(c, 3)
			cli := c.newClient(strategy, time.Second)
			for ts := int64(1000); ts < 1030; ts++ {
				require.NoError(t, writeTxn(cli, ts))
			}
			pre, commit := placement(t, pumps)
			require.Len(t, pre, 30)
			require.Equal(t, pre, commit, "every commit lands on its prewrite's pump")
			for i, f := range pumps {
				require.NotEmpty(t, f.snapshot(), "pump %d used", i)
				for _, r := range f.snapshot() {
					require.Equal(t, c.pd.ClusterID(), r.clusterID)
				}
			}
			require.Zero(t, cli.ts.len(), "commits clear the start_ts map")
		})
	}
}

func TestRollbackFollowsPrewriteAndUnknownCommitIsDropped(t *testing.T) {
	c := newTestCluster(t)
	pumps := startFakePumps(c, 2)
	cli := c.newClient(Range, time.Second)
	require.NoError(t, cli.WriteBinlog(prewrite(7)))
	require.NoError(t, cli.WriteBinlog(binlogpb.NewBinlog(binlogpb.BinlogType_Rollback, 7, 0)))
	pre, commit := placement(t, pumps)
	require.Equal(t, pre[7], commit[7])

	// A commit whose prewrite this client never wrote: no error, nothing sent.
	before := pumps[0].callCount() + pumps[1].callCount()
	require.NoError(t, cli.WriteBinlog(binlogpb.NewBinlog(binlogpb.BinlogType_Commit, 99, 100)))
	require.Equal(t, before, pumps[0].callCount()+pumps[1].callCount())
	require.Equal(t, 1.0, metricValue(t, cli.m.droppedCommits.WithLabelValues("no_prewrite")))
}

func TestResourceExhaustedFailsAtOnce(t *testing.T) {
	c := newTestCluster(t)
	pumps := startFakePumps(c, 2)
	for _, f := range pumps {
		f.setMode(fakeResourceExhausted)
	}
	cli := c.newClient(Range, 5*time.Second)
	start := time.Now()
	err := cli.WriteBinlog(prewrite(1))
	require.ErrorIs(t, err, ErrBinlogTooLarge)
	require.Contains(t, err.Error(), "too large")
	require.Less(t, time.Since(start), time.Second)
	require.Equal(t, 1, pumps[0].callCount()+pumps[1].callCount(), "not retried")
}

func TestErrMsgIsRetriedOnAnotherPump(t *testing.T) {
	c := newTestCluster(t)
	pumps := startFakePumps(c, 2)
	pumps[0].setMode(fakeErrMsg)
	cli := c.newClient(Range, time.Second)
	for ts := int64(1); ts <= 10; ts++ {
		require.NoError(t, writeTxn(cli, ts))
	}
	require.Empty(t, pumps[0].snapshot())
	require.Equal(t, 10, pumps[1].countType(binlogpb.BinlogType_Prewrite))
	require.Equal(t, 10, pumps[1].countType(binlogpb.BinlogType_Commit))
}

func TestAllPumpsDownFailsWithinTimeout(t *testing.T) {
	c := newTestCluster(t)
	pumps := startFakePumps(c, 2)
	pumps[1].setMode(fakeUnavailable)
	pumps[0].stop()
	const timeout = 500 * time.Millisecond
	cli := c.newClient(Range, timeout)
	for range 2 { // the second call finds no available pump at all
		start := time.Now()
		err := cli.WriteBinlog(prewrite(1))
		require.Error(t, err)
		require.Contains(t, err.Error(), "write binlog failed, the last error")
		require.Less(t, time.Since(start), timeout+time.Second)
	}
	require.Zero(t, cli.availableCount(), "both pumps failed more than 10 times")
	require.Equal(t, 2.0, metricValue(t, cli.m.failedPrewrites))
}

func TestPausedPumpIsNotUsed(t *testing.T) {
	c := newTestCluster(t)
	pumps := startFakePumps(c, 2)
	cli := c.newClient(Range, time.Second)

	c.setPump(fakeID(1), pumps[1].addr, registry.Paused)
	require.Eventually(t, func() bool { return cli.availableCount() == 1 }, waitFor, tick)
	before := pumps[1].countType(binlogpb.BinlogType_Prewrite)
	for ts := int64(1); ts <= 20; ts++ {
		require.NoError(t, writeTxn(cli, ts))
	}
	require.Equal(t, before, pumps[1].countType(binlogpb.BinlogType_Prewrite), "no prewrite to the paused pump")

	c.setPump(fakeID(1), pumps[1].addr, registry.Online)
	require.Eventually(t, func() bool { return cli.availableCount() == 2 }, waitFor, tick)
	for ts := int64(100); ts <= 110; ts++ {
		require.NoError(t, writeTxn(cli, ts))
	}
	require.Greater(t, pumps[1].countType(binlogpb.BinlogType_Prewrite), before, "online again: used")
}

func TestPumpRegisteredWhileRunningIsUsed(t *testing.T) {
	c := newTestCluster(t)
	first := startFakePumps(c, 1)
	cli := c.newClient(Range, time.Second)
	require.NoError(t, writeTxn(cli, 1))

	second := startFakePump(t)
	c.setPump("pump-new", second.addr, registry.Online)
	require.Eventually(t, func() bool { return cli.availableCount() == 2 }, waitFor, tick)
	for ts := int64(10); ts < 20; ts++ {
		require.NoError(t, writeTxn(cli, ts))
	}
	require.Equal(t, 5, second.countType(binlogpb.BinlogType_Prewrite), "round-robin over both pumps")
	require.Equal(t, 5, second.countType(binlogpb.BinlogType_Commit))
	require.Equal(t, 6, first[0].countType(binlogpb.BinlogType_Prewrite))

	// Deleting the key removes the pump.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, c.reg.DeleteNode(ctx, registry.KindPump, "pump-new"))
	require.Eventually(t, func() bool { return cli.pumpByID("pump-new") == nil }, waitFor, tick)
	require.Equal(t, 1, cli.availableCount())
}

func TestDetectBringsBackRestartedPump(t *testing.T) {
	c := newTestCluster(t)
	pumps := startFakePumps(c, 2)
	cli := c.newClient(Range, time.Second)
	pumps[1].stop() // abrupt: the registry still says online

	for ts := int64(1); cli.availableCount() == 2; ts++ {
		require.NoError(t, writeTxn(cli, ts), "the other pump takes the writes")
		require.Less(t, ts, int64(1000))
	}
	require.Empty(t, pumps[1].snapshot())

	pumps[1].restart()
	require.Eventually(t, func() bool { return pumps[1].probeCount() > 0 && cli.availableCount() == 2 }, waitFor, tick)
	for ts := int64(2000); ts < 2010; ts++ {
		require.NoError(t, writeTxn(cli, ts))
	}
	require.Equal(t, 5, pumps[1].countType(binlogpb.BinlogType_Prewrite), "used again after the probe")
}

func TestCommitWaitsForItsPump(t *testing.T) {
	c := newTestCluster(t)
	pumps := startFakePumps(c, 2)
	cli := c.newClient(Range, time.Second)
	require.NoError(t, cli.WriteBinlog(prewrite(1))) // range: pump-0
	require.Equal(t, 1, pumps[0].countType(binlogpb.BinlogType_Prewrite))
	pumps[0].stop()

	done := make(chan error, 1)
	go func() { done <- cli.WriteBinlog(binlogpb.NewBinlog(binlogpb.BinlogType_Commit, 1, 2)) }()
	require.Eventually(t, func() bool { return metricValue(t, cli.m.failures.WithLabelValues(fakeID(0), typeCommit)) >= 2 }, waitFor, tick)
	pumps[0].restart()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(waitFor):
		t.Fatal("commit not written after the pump came back")
	}
	require.Equal(t, 1, pumps[0].countType(binlogpb.BinlogType_Commit))
	require.Zero(t, pumps[1].countType(binlogpb.BinlogType_Commit), "never sent to another pump")
}

func TestCommitGivesUpAfterCommitTimeout(t *testing.T) {
	c := newTestCluster(t)
	pumps := startFakePumps(c, 1)
	cli := c.newClient(Range, time.Second, WithCommitBinlogTimeout(300*time.Millisecond))
	require.NoError(t, cli.WriteBinlog(prewrite(1)))
	pumps[0].stop()
	start := time.Now()
	require.NoError(t, cli.WriteBinlog(binlogpb.NewBinlog(binlogpb.BinlogType_Commit, 1, 2)))
	require.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
	require.Less(t, time.Since(start), 3*time.Second)
	require.Zero(t, cli.ts.len())
	require.Equal(t, 1.0, metricValue(t, cli.m.droppedCommits.WithLabelValues("timeout")))
}

func TestUnmatchedPrewritesExpire(t *testing.T) {
	c := newTestCluster(t)
	startFakePumps(c, 1)
	cli := c.newClient(Range, time.Second, WithCommitBinlogTimeout(200*time.Millisecond))
	for ts := int64(1); ts <= 50; ts++ {
		require.NoError(t, cli.WriteBinlog(prewrite(ts)))
	}
	// the first ones may already have expired on a slow machine
	require.Positive(t, cli.ts.len(), "held until their commit timeout")
	require.Eventually(t, func() bool { return cli.ts.len() == 0 }, waitFor, tick)
}

func TestCloseInterruptsWrites(t *testing.T) {
	c := newTestCluster(t)
	pumps := startFakePumps(c, 1)
	o := buildOptions(append(fastOptions(t), WithCommitBinlogTimeout(time.Hour)))
	cli, err := newPumpsClient(c.pd.ClusterID(), c.reg, Range, time.Hour, dialConfig{timeout: time.Second}, o)
	require.NoError(t, err)
	require.NoError(t, cli.WriteBinlog(prewrite(1)))
	pumps[0].stop()

	var wg sync.WaitGroup
	var commitErr, prewriteErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		commitErr = cli.WriteBinlog(binlogpb.NewBinlog(binlogpb.BinlogType_Commit, 1, 2))
	}()
	go func() { defer wg.Done(); prewriteErr = cli.WriteBinlog(prewrite(3)) }()
	require.Eventually(t, func() bool { return metricValue(t, cli.m.failures.WithLabelValues(fakeID(0), typeCommit)) >= 1 }, waitFor, tick)

	closed := make(chan struct{})
	go func() { cli.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(waitFor):
		t.Fatal("Close hangs")
	}
	wg.Wait()
	require.NoError(t, commitErr)
	require.ErrorIs(t, prewriteErr, ErrClosed)
	require.ErrorIs(t, cli.WriteBinlog(prewrite(4)), ErrClosed)
	cli.Close() // idempotent
}

func TestMetricsAreRegistered(t *testing.T) {
	c := newTestCluster(t)
	startFakePumps(c, 1)
	reg := prometheus.NewRegistry()
	cli := c.newClient(Range, time.Second, WithRegisterer(reg))
	require.NoError(t, writeTxn(cli, 1))
	// A second client on the same registry shares the collectors.
	cli2 := c.newClient(Range, time.Second, WithRegisterer(reg))
	require.NoError(t, writeTxn(cli2, 2))

	require.Equal(t, 2.0, metricValue(t, cli.m.writes.WithLabelValues(fakeID(0), typePrewrite)))
	families, err := reg.Gather()
	require.NoError(t, err)
	series := map[string]int{}
	for _, f := range families {
		series[f.GetName()] = len(f.GetMetric())
	}
	// Every binlog type of a known pump is exported, from zero.
	require.Equal(t, 4, series["binlog_pump_client_write_binlog_total"])
	require.Equal(t, 4, series["binlog_pump_client_write_binlog_duration_seconds"])
	require.Equal(t, 2.0, metricValue(t, cli.m.writes.WithLabelValues(fakeID(0), typeCommit)))
	require.Zero(t, metricValue(t, cli.m.failures.WithLabelValues(fakeID(0), typePrewrite)))
	require.Equal(t, 1, series["binlog_pump_client_available_pumps"])
}

func TestLocalPumpsClient(t *testing.T) {
	c := newTestCluster(t)
	f := startFakeUnixPump(t)
	cli, err := NewLocalPumpsClient(c.pd.ClientURL(), f.addr, time.Second, security.Config{}, fastOptions(t)...)
	require.NoError(t, err)
	defer cli.Close()
	for ts := int64(1); ts <= 3; ts++ {
		require.NoError(t, writeTxn(cli, ts))
	}
	recs := f.snapshot()
	require.Len(t, recs, 6)
	for _, r := range recs {
		require.Equal(t, c.pd.ClusterID(), r.clusterID)
	}
}

func TestPumpErrorMessage(t *testing.T) {
	err := fmt.Errorf("write: %w", &PumpError{NodeID: "a", Msg: "no online: paused"})
	require.Equal(t, "write: pump a: no online: paused", err.Error())
	var pe *PumpError
	require.True(t, errors.As(err, &pe))
	require.Equal(t, "a", pe.NodeID)
}

// metricValue reads a counter or gauge.
func metricValue(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var pb dto.Metric
	require.NoError(t, m.Write(&pb))
	switch {
	case pb.Counter != nil:
		return pb.Counter.GetValue()
	case pb.Gauge != nil:
		return pb.Gauge.GetValue()
	}
	t.Fatalf("not a counter or gauge")
	return 0
}
