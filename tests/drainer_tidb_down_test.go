//go:build integration

package tests

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

// TestDrainerWaitsForTiDBStatusAPI: with the TiDB status API unreachable
// the drainer waits for the DDL history and says so in its log, never
// starting without it; a signal stops the wait. Restarted with a reachable
// TiDB, it replicates the DDL and rows written meanwhile.
func TestDrainerWaitsForTiDBStatusAPI(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "[syncer]\n")
	require.NoError(t, c.drainer.Stop(20*time.Second))
	dead, err := testcluster.FreePort()
	require.NoError(t, err)

	waiting, err := testcluster.StartDrainer(ctx, binDir, c.dir, c.pd, "drainer-waiting", testcluster.DrainerOptions{
		TOML: c.drainerTOML("[syncer]\n", 3306), NoWait: true,
		ExtraArgs: []string{"-tidb-status-urls", fmt.Sprintf("http://127.0.0.1:%d", dead)}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = waiting.Kill() })
	logFile := filepath.Join(waiting.Dir, "drainer.log")
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(logFile)
		return strings.Contains(string(b), "waiting for TiDB")
	}, 60*time.Second, 100*time.Millisecond, "the drainer must say it waits for TiDB")
	require.NoError(t, waiting.Stop(20*time.Second))
	require.Contains(t, string(must(os.ReadFile(logFile))), "got signal while starting")

	db := "drainer_test_tidbdown_" + randomSuffix()
	c.dropDownstream(t, db)
	c.exec(ctx, t, "CREATE DATABASE "+db, "CREATE TABLE "+db+".t (id INT PRIMARY KEY)", "INSERT INTO "+db+".t VALUES (1)")
	require.NoError(t, c.drainer.StartReady(ctx))
	c.requireSameRows(ctx, t, "SELECT id FROM "+db+".t", 60*time.Second)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
