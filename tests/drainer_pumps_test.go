//go:build integration

package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

// TestDrainerTwoPumps: a second pump started after the drainer notifies it
// (Cistern Notify) and TiDB spreads commits over both pumps, which the
// drainer merges by commit ts; a pump killed with SIGKILL and brought back,
// paused and brought back, then taken offline, never loses or reorders a
// transaction downstream.
func TestDrainerTwoPumps(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "[syncer]\n")
	pump2, err := testcluster.StartPump(ctx, binDir, c.dir, c.pd, "pump-2", testcluster.PumpOptions{})
	require.NoError(t, err, "the new pump must notify the drainer")
	t.Cleanup(func() { _ = pump2.Stop(15 * time.Second) })

	db := "drainer_test_pumps_" + randomSuffix()
	c.dropDownstream(t, db)
	c.exec(ctx, t, "CREATE DATABASE "+db, "CREATE TABLE "+db+".t (id INT PRIMARY KEY, v INT)")
	next := 0
	write := func(n int) {
		for i := 0; i < n; i++ {
			next++
			c.exec(ctx, t, fmt.Sprintf("INSERT INTO %s.t VALUES (%d, 0)", db, next),
				fmt.Sprintf("UPDATE %s.t SET v = v + 1 WHERE id = %d", db, (next+1)/2))
		}
	}
	q := "SELECT id, v FROM " + db + ".t ORDER BY id"
	write(100)
	c.requireSameRows(ctx, t, q, 60*time.Second)
	var st struct{ PumpPos map[string]int64 }
	resp, err := http.Get("http://" + c.drainer.Addr + "/status")
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	resp.Body.Close()
	require.Contains(t, st.PumpPos, "pump-1")
	require.Contains(t, st.PumpPos, "pump-2")

	require.NoError(t, pump2.Kill())
	require.NoError(t, pump2.StartReady(ctx))
	write(100)
	c.requireSameRows(ctx, t, q, 60*time.Second)

	// Paused, the pump is neither written by TiDB nor pulled by the drainer
	// (whose merge waits for it, as the original's does); back online, the
	// drainer finds it again and catches up.
	pumpAction(ctx, t, pump2.Addr, "pump-2", "pause")
	require.Eventually(t, func() bool { return !pump2.Running() }, 30*time.Second, 50*time.Millisecond)
	write(50)
	require.NoError(t, pump2.StartReady(ctx))
	c.requireSameRows(ctx, t, q, 60*time.Second)

	pumpAction(ctx, t, pump2.Addr, "pump-2", "close")
	write(50)
	c.requireSameRows(ctx, t, q, 60*time.Second)
}

func pumpAction(ctx context.Context, t *testing.T, addr, nodeID, action string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, "http://"+addr+"/state/"+nodeID+"/"+action, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
}
