package storage

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSlowChaserTakesOverAndTurnsOff(t *testing.T) {
	gate := make(chan struct{})
	var once sync.Once
	release := func() { once.Do(func() { close(gate) }) }
	defer release()
	o := testOptions()
	o.KVChanCap = 4
	reg := newRegistry()
	o.Registerer = reg
	k := testKnobs()
	k.beforeKVWrite = func() { <-gate }
	a, err := openWithKnobs(t.TempDir(), o, k)
	require.NoError(t, err)
	defer closeTest(t, a)
	ts := newTSO()

	var mu sync.Mutex
	var commits []int64
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				_, c := writeTxn(t, a, ts, fmt.Sprint(w, "-", i))
				mu.Lock()
				commits = append(commits, c)
				mu.Unlock()
			}
		}()
	}
	wg.Wait() // acknowledged although the KV writer is blocked
	turnedOn := map[string]string{"type": "turned_on"}
	require.GreaterOrEqual(t, counterValue(t, reg, "binlog_pump_storage_slow_chaser_count", turnedOn), 1.0)
	require.True(t, a.chaser.isOn())

	release()
	got := receive(t, a.PullCommitBinlog(t.Context(), 0), len(commits))
	for i := 1; i < len(got); i++ {
		require.Greater(t, got[i].CommitTS, got[i-1].CommitTS)
	}
	require.Eventually(t, func() bool { return !a.chaser.isOn() }, 10*time.Second, time.Millisecond)
	require.GreaterOrEqual(t, counterValue(t, reg, "binlog_pump_storage_slow_chaser_count",
		map[string]string{"type": "turned_off"}), 1.0)
	_, c := writeTxn(t, a, ts, "after recovery")
	require.Eventually(t, func() bool { return a.MaxCommitTS() == c }, 10*time.Second, time.Millisecond)
}
