package tidblite

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
)

// Two instances share the DDL history, not rows: a partition dropped or
// truncated on one loses its rows on the other too, and a table dropped on
// one comes back with the other's rows when recovered there.
func TestPartitionDDLReplayedOnOtherInstance(t *testing.T) {
	pd := pdlitetest.Start(t)
	withPD := func(c *Config) { c.PDURLs = []string{pd.ClientURL()} }
	first, second := startStandalone(t, withPD), startStandalone(t, withPD)
	db1, db2 := openDB(t, first, ""), openDB(t, second, "")
	db1.SetMaxOpenConns(1)
	db2.SetMaxOpenConns(1)
	mustExec(t, db1, "CREATE DATABASE rp",
		"CREATE TABLE rp.t (a int, b int) PARTITION BY RANGE (a) "+
			"(PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN (20), PARTITION p2 VALUES LESS THAN (30))",
		"CREATE TABLE rp.h (a int PRIMARY KEY) PARTITION BY HASH (a) PARTITIONS 3",
		"CREATE TABLE rp.d (a int PRIMARY KEY)")
	mustExec(t, db2, "INSERT INTO rp.t VALUES (1, 1), (11, 11), (21, 21), (NULL, 0)",
		"INSERT INTO rp.h VALUES (1), (2), (3), (4), (5), (6)", "INSERT INTO rp.d VALUES (7)")

	mustExec(t, db1, "ALTER TABLE rp.t DROP PARTITION p0", "ALTER TABLE rp.h TRUNCATE PARTITION p1, p2",
		"ALTER TABLE rp.t ADD PARTITION (PARTITION p3 VALUES LESS THAN (MAXVALUE))")
	require.Equal(t, []int64{11, 21}, queryInts(t, db2, "SELECT a FROM rp.t ORDER BY a"))
	require.Equal(t, []int64{3, 6}, queryInts(t, db2, "SELECT a FROM rp.h ORDER BY a"))
	// the second instance writes under the partition IDs the first gave
	mustExec(t, db2, "INSERT INTO rp.t VALUES (5, 5), (35, 35)", "INSERT INTO rp.h VALUES (7)")

	mustExec(t, db1, "DROP TABLE rp.d")
	_, err := db2.Exec("SELECT 1") // loads the drop job
	require.NoError(t, err)
	mustExec(t, db1, "RECOVER TABLE rp.d")
	require.Equal(t, []int64{7}, queryInts(t, db2, "SELECT a FROM rp.d"))
	require.Empty(t, queryInts(t, db1, "SELECT a FROM rp.d"))
}
