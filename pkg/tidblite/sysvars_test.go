package tidblite

import (
	"errors"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"
)

// The session variables the loader sets on a TiDB downstream are accepted
// and kept per session, like TiDB does.
func TestTiDBSessionVariables(t *testing.T) {
	s := startStandalone(t)
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "SET SESSION allow_auto_random_explicit_insert = 1",
		"SET @@session.tidb_txn_mode = 'optimistic'", "SET tidb_placement_mode = 'ignore'",
		"SET @@tidb_constraint_check_in_place = 1")
	var mode, placement string
	var explicit int
	require.NoError(t, db.QueryRow("SELECT @@tidb_txn_mode, @@session.tidb_placement_mode, @@allow_auto_random_explicit_insert").
		Scan(&mode, &placement, &explicit))
	require.Equal(t, "optimistic", mode)
	require.Equal(t, "IGNORE", placement)
	require.Equal(t, 1, explicit)
	_, err := db.Exec("SET tidb_placement_mode = 'nonsense'")
	require.Error(t, err, "enum values are checked")
}

// A variable neither MySQL nor TiDB knows is MySQL's error 1193.
func TestUnknownSystemVariable(t *testing.T) {
	s := startStandalone(t)
	db := openDB(t, s, "")
	for _, q := range []string{"SET @@session.no_such_var = 1", "SET no_such_var = 'x'",
		"SET SESSION no_such_var = 1", "SELECT @@no_such_var", "SELECT @@session.no_such_var"} {
		_, err := db.Exec(q)
		var me *mysql.MySQLError
		require.True(t, errors.As(err, &me), "%s: %v", q, err)
		require.EqualValues(t, 1193, me.Number, "%s: %v", q, me)
		require.Equal(t, "HY000", string(me.SQLState[:]), q)
		require.Equal(t, "Unknown system variable 'no_such_var'", me.Message, q)
	}
}
