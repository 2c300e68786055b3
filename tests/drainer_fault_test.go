//go:build integration

package tests

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
)

// TestDrainerStopsOnRejectedDDL: a DDL that MariaDB rejects (a unique index
// over rows that are duplicates only downstream) stops the drainer with an
// error naming the commit ts, the statement and ignore-txn-commit-ts; with
// that ts listed the drainer skips it and goes on.
func TestDrainerStopsOnRejectedDDL(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "[syncer]\n")
	db := "drainer_test_ddl_" + randomSuffix()
	c.dropDownstream(t, db)
	c.exec(ctx, t, "CREATE DATABASE "+db, "CREATE TABLE "+db+".t (id INT PRIMARY KEY, name VARCHAR(16))",
		"INSERT INTO "+db+".t VALUES (1, 'a')")
	c.requireSameRows(ctx, t, "SELECT id, name FROM "+db+".t ORDER BY id", 60*time.Second)
	_, err := c.down.ExecContext(ctx, "INSERT INTO "+db+".t VALUES (100, 'a')")
	require.NoError(t, err)

	c.exec(ctx, t, "ALTER TABLE "+db+".t ADD UNIQUE INDEX uname (name)")
	require.True(t, c.drainer.Exited(60*time.Second), "the drainer must stop on the rejected DDL")
	out := c.drainer.Output()
	require.Contains(t, out, "ignore-txn-commit-ts")
	require.Contains(t, out, "ADD UNIQUE INDEX uname")
	m := regexp.MustCompile(`DDL at commit ts (\d+)`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	ts, err := strconv.ParseInt(m[1], 10, 64)
	require.NoError(t, err)

	// Listed in ignore-txn-commit-ts, the DDL is skipped and rows flow again.
	require.NoError(t, c.drainer.WriteConfig(c.drainerTOML(fmt.Sprintf("[syncer]\nignore-txn-commit-ts = [%d]\n", ts), 3306)))
	require.NoError(t, c.drainer.StartReady(ctx))
	c.exec(ctx, t, "INSERT INTO "+db+".t VALUES (2, 'b')")
	require.Eventually(t, func() bool {
		return len(queryRows(ctx, t, c.down, "SELECT id FROM "+db+".t WHERE id = 2")) == 1
	}, 30*time.Second, 50*time.Millisecond)
}

// TestDrainerTableWithoutKeys replicates inserts, updates and deletes of a
// table with neither primary nor unique key.
func TestDrainerTableWithoutKeys(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "[syncer]\n")
	db := "drainer_test_nokey_" + randomSuffix()
	c.dropDownstream(t, db)
	c.exec(ctx, t, "CREATE DATABASE "+db, "CREATE TABLE "+db+".t (a INT, b VARCHAR(16))",
		"INSERT INTO "+db+".t VALUES (1, 'x'), (2, 'y'), (2, 'y'), (3, NULL)",
		"UPDATE "+db+".t SET b = 'z' WHERE a = 1",
		"DELETE FROM "+db+".t WHERE a = 3",
		"INSERT INTO "+db+".t VALUES (4, 'w')",
	)
	c.requireSameRows(ctx, t, "SELECT a, b, COUNT(*) FROM "+db+".t GROUP BY a, b ORDER BY a, b", 60*time.Second)
}

// TestDrainerKill9UnderLoad kills the drainer with SIGKILL while rows are
// written, restarts it, and checks that the downstream converges to the
// upstream (nothing lost, nothing applied twice in effect).
func TestDrainerKill9UnderLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "[syncer]\n")
	db := "drainer_test_kill_" + randomSuffix()
	c.dropDownstream(t, db)
	c.exec(ctx, t, "CREATE DATABASE "+db, "CREATE TABLE "+db+".acc (id INT PRIMARY KEY, v INT, n INT)")

	var stop atomic.Bool
	var wg sync.WaitGroup
	var writes atomic.Int64
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				id := w*100000 + i%50
				_, err := c.up.ExecContext(ctx, fmt.Sprintf(
					"INSERT INTO %s.acc VALUES (%d, %d, 1) ON DUPLICATE KEY UPDATE v = v + %d, n = n + 1", db, id, i, i))
				if err == nil {
					writes.Add(1)
				}
				if i%7 == 6 {
					_, _ = c.up.ExecContext(ctx, fmt.Sprintf("DELETE FROM %s.acc WHERE id = %d", db, w*100000+(i/7)%50))
				}
			}
		}(w)
	}
	require.Eventually(t, func() bool { return writes.Load() > 200 }, 120*time.Second, 50*time.Millisecond)
	require.NoError(t, c.drainer.Kill())
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, c.drainer.StartReady(ctx))
	require.Eventually(t, func() bool { return writes.Load() > 600 }, 120*time.Second, 50*time.Millisecond)
	require.NoError(t, c.drainer.Kill())
	require.NoError(t, c.drainer.StartReady(ctx))
	time.Sleep(500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	c.requireSameRows(ctx, t, "SELECT id, v, n FROM "+db+".acc ORDER BY id", 60*time.Second)
}

// TestDrainerCorruptCheckpoint: a checkpoint row that does not decode is a
// clear startup error, never a silent restart from zero.
func TestDrainerCorruptCheckpoint(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "[syncer]\n")
	require.NoError(t, c.drainer.Stop(20*time.Second))
	_, err := c.down.ExecContext(ctx, "UPDATE "+c.cpDB+".checkpoint SET checkPoint = '{not json'")
	require.NoError(t, err)
	require.NoError(t, c.drainer.Start())
	require.True(t, c.drainer.Exited(30*time.Second), "the drainer must refuse a corrupt checkpoint")
	require.Contains(t, c.drainer.Output(), "corrupt")
}

// TestDrainerPauseAndCloseOverHTTP pauses the drainer through its HTTP API:
// it records paused and exits; restarted it is online again; a close
// action records offline. The registry in PD's etcd shows each state.
func TestDrainerPauseAndCloseOverHTTP(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "[syncer]\n")
	requireDrainerState(ctx, t, c, "online")
	for _, tc := range []struct{ action, state string }{{"pause", "paused"}, {"close", "offline"}} {
		req, err := http.NewRequestWithContext(ctx, http.MethodPut,
			"http://"+c.drainer.Addr+"/state/"+c.drainer.NodeID+"/"+tc.action, nil)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.True(t, c.drainer.Exited(30*time.Second), "the drainer must stop after %s", tc.action)
		requireDrainerState(ctx, t, c, tc.state)
		require.NoError(t, c.drainer.StartReady(ctx))
		requireDrainerState(ctx, t, c, "online")
	}
}

func requireDrainerState(ctx context.Context, t *testing.T, c *drainerCluster, want string) {
	t.Helper()
	cli, err := registry.NewEtcdClient([]string{c.pd.URL}, nil, zap.NewNop())
	require.NoError(t, err)
	defer cli.Close()
	reg := registry.New(cli, zap.NewNop())
	var got []*registry.Status
	require.Eventually(t, func() bool {
		got, _, err = reg.Nodes(ctx, registry.KindDrainer)
		for _, st := range got {
			if st.NodeID == c.drainer.NodeID && st.State == want {
				return true
			}
		}
		return false
	}, 20*time.Second, 50*time.Millisecond, "want drainer %s, registry: %v (%v)", want, got, err)
}
