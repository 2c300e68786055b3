//go:build integration

package tests

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDrainerReplicatesToMariaDB is the acceptance test of the drainer:
// statements run on tidb-lite show up in MariaDB through pump and drainer
// (DDL, insert, update, delete), and the checkpoint follows.
func TestDrainerReplicatesToMariaDB(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "[syncer]\ndb-type = \"mysql\"\n")
	db := "drainer_test_e2e_" + randomSuffix()
	c.dropDownstream(t, db)

	c.exec(ctx, t,
		"CREATE DATABASE "+db,
		"CREATE TABLE "+db+".items (id INT PRIMARY KEY, name VARCHAR(32), price DECIMAL(10,2), note TEXT)",
		"INSERT INTO "+db+".items VALUES (1, 'apple', 1.50, NULL), (2, 'pear', 2.25, 'ripe'), (3, 'fig', 9.99, 'x')",
	)
	q := "SELECT id, name, price, note FROM " + db + ".items ORDER BY id"
	c.requireSameRows(ctx, t, q, 60*time.Second)

	c.exec(ctx, t,
		"UPDATE "+db+".items SET price = 1.75, name = 'green apple' WHERE id = 1",
		"DELETE FROM "+db+".items WHERE id = 3",
		"ALTER TABLE "+db+".items ADD COLUMN stock INT DEFAULT 7",
		"INSERT INTO "+db+".items (id, name, price) VALUES (4, 'kiwi', 0.50)",
	)
	c.requireSameRows(ctx, t, "SELECT id, name, price, note, stock FROM "+db+".items ORDER BY id", 60*time.Second)

	// Types whose encoding differs between TiDB's row format and MySQL.
	c.exec(ctx, t,
		"CREATE TABLE "+db+".types (id BIGINT UNSIGNED PRIMARY KEY, ts TIMESTAMP NULL, dt DATETIME(3), d DATE, "+
			"f DOUBLE, e ENUM('a','b','c'), j JSON, b VARBINARY(8), u INT UNSIGNED)",
		"INSERT INTO "+db+".types VALUES (18446744073709551615, '2024-02-29 12:34:56', '2001-01-01 00:00:00.123', "+
			"'1999-12-31', 1.5, 'b', '{\"k\": [1, 2]}', x'00ff', 4294967295), (1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
	)
	c.requireSameRows(ctx, t, "SELECT id, ts, dt, d, f, e, j, HEX(b), u FROM "+db+".types ORDER BY id", 60*time.Second)

	// The checkpoint row is written, /commit_ts serves it, /metrics has the
	// original names.
	require.Eventually(t, func() bool {
		rows := queryRows(ctx, t, c.down, "SELECT checkPoint FROM "+c.cpDB+".checkpoint")
		return len(rows) == 1 && strings.Contains(rows[0][0], `"commitTS"`)
	}, 30*time.Second, 100*time.Millisecond)
	var commit struct {
		Code int
		Data struct{ TS int64 }
	}
	getJSON(t, "http://"+c.drainer.Addr+"/commit_ts", &commit)
	require.Equal(t, 200, commit.Code)
	require.Positive(t, commit.Data.TS)
	resp, err := http.Get("http://" + c.drainer.Addr + "/metrics")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	for _, name := range []string{"binlog_drainer_checkpoint_tso", "binlog_drainer_pump_position",
		"binlog_drainer_event", "binlog_drainer_execute_duration_time", "binlog_drainer_ddl_jobs_total"} {
		require.Contains(t, string(body), name)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}
