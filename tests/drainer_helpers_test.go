//go:build integration

package tests

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

// drainerCluster is pd-lite, one pump, tidb-lite and a drainer replicating
// to MariaDB on 127.0.0.1:3306.
type drainerCluster struct {
	dir     string
	pd      *testcluster.PDLite
	pump    *testcluster.Pump
	tidb    *testcluster.TiDBLite
	drainer *testcluster.Drainer
	up      *sql.DB // tidb-lite
	down    *sql.DB // MariaDB
	cpDB    string  // checkpoint schema of this test
}

func requireDrainerBinary(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(binDir, "drainer")); err != nil {
		t.Fatalf("the drainer integration tests need bin/drainer: run `make build` first (%v)", err)
	}
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func startDrainerCluster(ctx context.Context, t *testing.T, drainerTOML string) *drainerCluster {
	t.Helper()
	c := startUpstream(ctx, t, "drainer_test_cp_"+randomSuffix())
	var err error
	c.down, err = sql.Open("mysql", "root@tcp(127.0.0.1:3306)/")
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = c.down.Exec("DROP DATABASE IF EXISTS " + c.cpDB)
		_ = c.down.Close()
	})
	c.startDrainer(ctx, t, c.drainerTOML(drainerTOML, 3306))
	return c
}

// startUpstream starts pd-lite, a pump and tidb-lite, and connects to
// tidb-lite; the caller connects the downstream and starts the drainer.
func startUpstream(ctx context.Context, t *testing.T, cpDB string) *drainerCluster {
	t.Helper()
	requireDrainerBinary(t)
	c := &drainerCluster{dir: t.TempDir(), cpDB: cpDB}
	var err error
	c.pd, err = testcluster.StartPDLite(ctx, binDir, c.dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.pd.Stop(10 * time.Second) })
	c.pump, err = testcluster.StartPump(ctx, binDir, c.dir, c.pd, "pump-1", testcluster.PumpOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.pump.Stop(15 * time.Second) })
	c.tidb, err = testcluster.StartTiDBLite(ctx, binDir, c.dir, c.pd, "tidb-lite")
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.tidb.Stop(15 * time.Second) })
	c.up, err = sql.Open("mysql", "root@tcp("+c.tidb.MySQLAddr+")/")
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.up.Close() })
	return c
}

// startDrainer starts the cluster's drainer with a complete TOML; at
// cleanup it is stopped, and its output and log are printed if the test
// failed.
func (c *drainerCluster) startDrainer(ctx context.Context, t *testing.T, toml string) {
	t.Helper()
	var err error
	c.drainer, err = testcluster.StartDrainer(ctx, binDir, c.dir, c.pd, "drainer-1", testcluster.DrainerOptions{
		TOML: toml, ExtraArgs: []string{"-tidb-status-urls", c.tidb.StatusURL, "-L", "debug"}})
	require.NoError(t, err, "drainer did not start")
	t.Cleanup(func() {
		_ = c.drainer.Stop(20 * time.Second)
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(c.drainer.Dir, "drainer.log"))
			t.Logf("drainer output:\n%s\ndrainer log (tail):\n%s", c.drainer.Output(), testcluster.Tail(string(b), 8000))
		}
	})
}

// drainerTOML completes a test's [syncer] section with the MariaDB on
// 127.0.0.1:port as the destination and a checkpoint schema of the test's
// own.
func (c *drainerCluster) drainerTOML(syncer string, port int) string {
	return fmt.Sprintf("%s\n[syncer.to]\nhost = \"127.0.0.1\"\nport = %d\nuser = \"root\"\n"+
		"[syncer.to.checkpoint]\nschema = %q\n", syncer, port, c.cpDB)
}

// exec runs statements on tidb-lite.
func (c *drainerCluster) exec(ctx context.Context, t *testing.T, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		_, err := c.up.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
}

// dropDownstream drops a database of the test in MariaDB at cleanup.
func (c *drainerCluster) dropDownstream(t *testing.T, db string) {
	t.Cleanup(func() { _, _ = c.down.Exec("DROP DATABASE IF EXISTS " + db) })
}

// rows returns the rows of a query on db as strings.
func queryRows(ctx context.Context, t *testing.T, db *sql.DB, q string) [][]string {
	t.Helper()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil
	}
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		row := make([]string, len(cols))
		for i, v := range vals {
			if v.Valid {
				row[i] = v.String
			} else {
				row[i] = "NULL"
			}
		}
		out = append(out, row)
	}
	return out
}

// requireSameRows waits until query returns the same rows upstream and downstream.
func (c *drainerCluster) requireSameRows(ctx context.Context, t *testing.T, query string, timeout time.Duration) {
	t.Helper()
	var up, down [][]string
	ok := false
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		up = queryRows(ctx, t, c.up, query)
		down = queryRows(ctx, t, c.down, query)
		if len(up) > 0 && fmt.Sprint(up) == fmt.Sprint(down) {
			ok = true
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	require.True(t, ok, "downstream differs for %q:\nupstream:   %v\ndownstream: %v", query, up, down)
}
