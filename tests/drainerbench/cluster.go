package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	_ "github.com/go-sql-driver/mysql" // the MariaDB and tidb-lite driver

	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

// cluster is the chain under test: pd-lite, a pump, tidb-lite (DDL and the
// schema the drainer reads) and a drainer into MariaDB.
type cluster struct {
	dir     string
	pd      *testcluster.PDLite
	pump    *testcluster.Pump
	tidb    *testcluster.TiDBLite
	drainer *testcluster.Drainer
	up      *sql.DB // tidb-lite
	down    *sql.DB // MariaDB
	schema  string  // the benchmark's database, upstream and downstream
	cpDB    string  // the drainer's checkpoint schema
	table   *testcluster.RowTable
	writer  *testcluster.BinlogWriter
}

func startCluster(ctx context.Context, o *options, dir string) (*cluster, error) {
	suffix := rand.Uint32()
	c := &cluster{dir: dir, schema: fmt.Sprintf("drainerbench_%d", suffix), cpDB: fmt.Sprintf("drainerbench_cp_%d", suffix)}
	var err error
	if c.pd, err = testcluster.StartPDLite(ctx, o.binDir, dir); err != nil {
		return c, err
	}
	if c.pump, err = testcluster.StartPump(ctx, o.binDir, dir, c.pd, "pump", testcluster.PumpOptions{
		TOML: "log-level = \"warn\"\n"}); err != nil {
		return c, err
	}
	if c.tidb, err = testcluster.StartTiDBLite(ctx, o.binDir, dir, c.pd, "tidb-lite"); err != nil {
		return c, err
	}
	if c.up, err = sql.Open("mysql", "root@tcp("+c.tidb.MySQLAddr+")/"); err != nil {
		return c, err
	}
	if c.down, err = sql.Open("mysql", fmt.Sprintf("%s@tcp(%s:%d)/", o.user, o.host, o.port)); err != nil {
		return c, err
	}
	toml := fmt.Sprintf("log-level = \"warn\"\n[syncer]\n[syncer.to]\nhost = %q\nport = %d\nuser = %q\n"+
		"[syncer.to.checkpoint]\nschema = %q\n", o.host, o.port, o.user, c.cpDB)
	if c.drainer, err = testcluster.StartDrainer(ctx, o.binDir, dir, c.pd, "drainer", testcluster.DrainerOptions{
		TOML: toml, ExtraArgs: []string{"-tidb-status-urls", c.tidb.StatusURL}}); err != nil {
		return c, err
	}
	if err := c.createTable(ctx); err != nil {
		return c, err
	}
	c.writer, err = testcluster.NewBinlogWriter(ctx, c.pd.URL)
	return c, err
}

// createTable creates the table through tidb-lite, waits for the drainer to
// create it downstream, and reads its table info for the encoder.
func (c *cluster) createTable(ctx context.Context) error {
	for _, q := range []string{"CREATE DATABASE " + c.schema,
		"CREATE TABLE " + c.schema + ".sbtest (id BIGINT PRIMARY KEY, k INT, c VARCHAR(120), pad VARCHAR(60))"} {
		if _, err := c.up.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		var n int
		err := c.down.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+c.schema+".sbtest").Scan(&n)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the drainer did not create %s.sbtest downstream: %w", c.schema, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var err error
	c.table, err = testcluster.FetchRowTable(ctx, c.tidb.StatusURL, c.schema, "sbtest")
	return err
}

func (c *cluster) stop() {
	if c.writer != nil {
		c.writer.Close()
	}
	if c.drainer != nil {
		_ = c.drainer.Stop(30 * time.Second)
	}
	if c.down != nil {
		_, _ = c.down.Exec("DROP DATABASE IF EXISTS " + c.schema)
		_, _ = c.down.Exec("DROP DATABASE IF EXISTS " + c.cpDB)
		_ = c.down.Close()
	}
	if c.up != nil {
		_ = c.up.Close()
	}
	if c.tidb != nil {
		_ = c.tidb.Stop(15 * time.Second)
	}
	if c.pump != nil {
		_ = c.pump.Stop(15 * time.Second)
	}
	if c.pd != nil {
		_ = c.pd.Stop(15 * time.Second)
	}
}

// logTail returns the end of the drainer's log, for an error message.
func (c *cluster) logTail() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "drainer", "drainer.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
