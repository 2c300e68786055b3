//go:build integration

package tests

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDrainerRelayLogRecovery: with the relay log on, a drainer that finds
// PD unreachable and its checkpoint not consistent applies the relayed
// binlogs above the checkpoint, saves it as consistent and exits.
func TestDrainerRelayLogRecovery(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	relayDir := filepath.Join(t.TempDir(), "relay")
	c := startDrainerCluster(ctx, t, "[syncer]\n[syncer.relay]\nlog-dir = \""+relayDir+"\"\n")
	db := "drainer_test_relay_" + randomSuffix()
	c.dropDownstream(t, db)
	c.exec(ctx, t, "CREATE DATABASE "+db, "CREATE TABLE "+db+".t (id INT PRIMARY KEY, v VARCHAR(8))",
		"INSERT INTO "+db+".t VALUES (1, 'a'), (2, 'b')", "UPDATE "+db+".t SET v = 'c' WHERE id = 2",
		"INSERT INTO "+db+".t VALUES (3, 'd')")
	q := "SELECT id, v FROM " + db + ".t ORDER BY id"
	c.requireSameRows(ctx, t, q, 60*time.Second)
	want := queryRows(ctx, t, c.up, q)

	// The drainer dies; the downstream lost its last rows and the checkpoint
	// is back at the start, not consistent; then the upstream is gone.
	require.NoError(t, c.drainer.Kill())
	_, err := c.down.ExecContext(ctx, "DELETE FROM "+db+".t WHERE id >= 2")
	require.NoError(t, err)
	_, err = c.down.ExecContext(ctx, "UPDATE "+c.cpDB+".checkpoint SET checkPoint = "+
		"'{\"consistent\":false,\"commitTS\":1,\"ts-map\":{},\"schema-version\":0}'")
	require.NoError(t, err)
	require.NoError(t, c.tidb.Stop(15*time.Second))
	require.NoError(t, c.pump.Stop(15*time.Second))
	require.NoError(t, c.pd.Stop(10*time.Second))

	require.NoError(t, c.drainer.Start())
	require.True(t, c.drainer.Exited(90*time.Second), "the drainer must exit after the relay recovery")
	require.Contains(t, c.drainer.Output(), "relay log was applied")
	require.Equal(t, want, queryRows(ctx, t, c.down, q))
	rows := queryRows(ctx, t, c.down, "SELECT checkPoint FROM "+c.cpDB+".checkpoint")
	require.Len(t, rows, 1)
	require.True(t, strings.Contains(rows[0][0], `"consistent":true`), rows[0][0])
}
