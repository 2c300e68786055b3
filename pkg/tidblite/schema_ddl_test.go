package tidblite

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// CREATE SCHEMA and DROP SCHEMA are CREATE and DROP DATABASE, also on a
// connection without a current database.
func TestCreateDropSchema(t *testing.T) {
	s := startStandalone(t)
	db := openDB(t, s, "")
	mustExec(t, db, "CREATE SCHEMA IF NOT EXISTS tidb_binlog", "CREATE SCHEMA IF NOT EXISTS tidb_binlog",
		"CREATE TABLE tidb_binlog.checkpoint (clusterID bigint PRIMARY KEY, checkPoint text)",
		"CREATE SCHEMA x DEFAULT CHARACTER SET utf8mb4")
	require.Equal(t, "CREATE SCHEMA x DEFAULT CHARACTER SET utf8mb4", lastJob(t, s).Query)
	require.Len(t, jobs(t, s), 3, "the second IF NOT EXISTS is no job")
	_, err := db.Exec("CREATE SCHEMA x")
	require.Error(t, err)
	mustExec(t, db, "DROP SCHEMA x", "DROP SCHEMA IF EXISTS x")
	require.Equal(t, "DROP SCHEMA x", lastJob(t, s).Query)
	rows, err := db.Query("SHOW DATABASES")
	require.NoError(t, err)
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, rows.Err())
	require.Contains(t, names, "tidb_binlog")
	require.NotContains(t, names, "x")
}
