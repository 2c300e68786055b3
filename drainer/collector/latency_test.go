package collector

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRealPumpLatency measures, with two real pumps (fake binlogs every
// 100 ms here; 200 ms by default), the time from the acknowledgement of a
// commit binlog to its arrival on Output. The merge needs a later binlog
// from the other pump, so the fake-binlog interval bounds it.
func TestRealPumpLatency(t *testing.T) {
	rc := startRealCluster(t, 2)
	cfg := Config{ClusterID: rc.pumps[0].ClusterID(), InitialTS: rc.ts(t), DetectInterval: time.Hour}
	c, err := New(cfg, Deps{Registry: rc.reg})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()

	var mu sync.Mutex
	arrived := map[int64]time.Time{}
	go func() {
		for b := range c.Output() {
			if !b.IsFake() {
				mu.Lock()
				arrived[b.GetCommitTs()] = time.Now()
				mu.Unlock()
			}
		}
	}()
	const n = 30
	acked := map[int64]time.Time{}
	for i := range n {
		ts := rc.commit(t, i%2)
		acked[ts] = time.Now()
		time.Sleep(30 * time.Millisecond) // light load
	}
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(arrived) == n
	}, waitFor, tick)
	cancel()
	require.NoError(t, <-done)

	var lat []time.Duration
	for ts, at := range acked {
		lat = append(lat, arrived[ts].Sub(at))
	}
	slices.Sort(lat)
	t.Logf("commit ack -> collector output over %d txns: p50 %v, p99 %v, max %v",
		n, lat[n/2], lat[n*99/100], lat[n-1])
}
