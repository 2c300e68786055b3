package collector

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRealPumpDataLoss damages the record of one transaction in a real
// pump's value log while it is down: the collector stops with an error
// naming the pump and the commit ts, or skips exactly that transaction when
// its commit ts is in IgnoreTxnCommitTS.
func TestRealPumpDataLoss(t *testing.T) {
	rc := startRealCluster(t, 1)
	from := rc.ts(t)
	var commits []int64
	for i := range 4 {
		commits = append(commits, rc.commitKey(t, 0, fmt.Sprintf("unique-key-%d", i)))
	}
	require.NoError(t, rc.pumps[0].Close())
	path := filepath.Join(rc.dirs[0], "value", "000000.vlog")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	i := bytes.Index(data, []byte("unique-key-2"))
	require.Positive(t, i)
	data[i] ^= 0x01
	require.NoError(t, os.WriteFile(path, data, 0o644))
	rc.startPump(t, 0)
	cfg := Config{ClusterID: rc.pumps[0].ClusterID(), InitialTS: from, DetectInterval: time.Hour, RetryInterval: 50 * time.Millisecond}

	c, err := New(cfg, Deps{Registry: rc.reg})
	require.NoError(t, err)
	output, done := realOutput(t, c, context.Background())
	select {
	case err = <-done:
	case <-time.After(waitFor):
		t.Fatal("collector did not stop")
	}
	var dl *DataLossError
	require.ErrorAs(t, err, &dl)
	require.Equal(t, "pump-a", dl.NodeID)
	require.Equal(t, commits[2], dl.CommitTS)
	require.Equal(t, commits[:2], output())

	cfg.IgnoreTxnCommitTS = []int64{commits[2]}
	c, err = New(cfg, Deps{Registry: rc.reg})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	output, done = realOutput(t, c, ctx)
	require.Eventually(t, func() bool { return len(output()) >= 3 }, waitFor, tick)
	require.Equal(t, []int64{commits[0], commits[1], commits[3]}, output())
	require.EqualValues(t, 1, c.SkippedDataLoss())
	cancel()
	require.NoError(t, <-done)
}
