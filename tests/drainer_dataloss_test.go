//go:build integration

package tests

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDrainerStopsOnPumpDataLoss: a binlog the pump cannot read back (one
// byte flipped in its value log) ends the pull with DataLoss; the drainer
// stops with an error naming the pump and the commit ts. Listed in
// ignore-txn-commit-ts, that transaction is skipped and the ones after it
// are replicated.
func TestDrainerStopsOnPumpDataLoss(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "[syncer]\n")
	db := "drainer_test_loss_" + randomSuffix()
	c.dropDownstream(t, db)
	c.exec(ctx, t, "CREATE DATABASE "+db, "CREATE TABLE "+db+".t (id INT PRIMARY KEY, v VARCHAR(32))")
	c.requireSameRows(ctx, t, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '"+db+"'", 60*time.Second)
	require.NoError(t, c.drainer.Stop(20*time.Second))
	for i := 1; i <= 20; i++ {
		c.exec(ctx, t, fmt.Sprintf("INSERT INTO %s.t VALUES (%d, 'marker-%03d-end')", db, i, i))
	}
	require.NoError(t, c.pump.Stop(15*time.Second))
	path := filepath.Join(c.pump.DataDir, "value", "000000.vlog")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	i := bytes.Index(data, []byte("marker-010-end"))
	require.Positive(t, i)
	data[i+8] ^= 0x01
	require.NoError(t, os.WriteFile(path, data, 0o644))
	require.NoError(t, c.pump.StartReady(ctx))

	require.NoError(t, c.drainer.Start())
	require.True(t, c.drainer.Exited(90*time.Second), "the drainer must stop on the lost binlog")
	out := c.drainer.Output()
	m := regexp.MustCompile(`pump pump-1 lost the binlog at commit ts (\d+)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	require.Contains(t, out, "ignore-txn-commit-ts")
	ts, err := strconv.ParseInt(m[1], 10, 64)
	require.NoError(t, err)
	rows := queryRows(ctx, t, c.down, "SELECT id FROM "+db+".t ORDER BY id")
	require.LessOrEqual(t, len(rows), 9, "nothing after the lost transaction is applied")

	require.NoError(t, c.drainer.WriteConfig(c.drainerTOML(fmt.Sprintf("[syncer]\nignore-txn-commit-ts = [%d]\n", ts), 3306)))
	require.NoError(t, c.drainer.StartReady(ctx))
	require.Eventually(t, func() bool {
		return len(queryRows(ctx, t, c.down, "SELECT id FROM "+db+".t WHERE id <> 10")) == 19
	}, 60*time.Second, 50*time.Millisecond)
	require.Empty(t, queryRows(ctx, t, c.down, "SELECT id FROM "+db+".t WHERE id = 10"))
}
