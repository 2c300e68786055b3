package tidblite

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"testing"

	gmssql "github.com/dolthub/go-mysql-server/sql"
	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"
)

// Regression tests of unique-index lookups after UPDATE and DELETE: the
// engine's copies of a table shared their index rows, so one copy's delete
// moved the row locations of the committed table (indexrows.go).

// intRows returns the rows of a query over integer columns as "a,b"
// strings (NULL for NULL), in the query's order.
func intRows(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	require.NoError(t, err, query)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	out := []string{}
	for rows.Next() {
		vals := make([]sql.NullInt64, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		s := make([]string, len(vals))
		for i, v := range vals {
			s[i] = "NULL"
			if v.Valid {
				s[i] = strconv.FormatInt(v.Int64, 10)
			}
		}
		out = append(out, strings.Join(s, ","))
	}
	require.NoError(t, rows.Err())
	return out
}

// requireDuplicate runs a statement that must fail with MySQL's 1062.
func requireDuplicate(t *testing.T, db *sql.DB, query string) {
	t.Helper()
	_, err := db.Exec(query)
	var me *mysql.MySQLError
	require.True(t, errors.As(err, &me), "%s: want a duplicate key error, got %v", query, err)
	require.EqualValues(t, 1062, me.Number, "%s: %v", query, err)
}

// The shell case's repro: after an UPDATE, the other row is still found
// through the unique index, and its key is still enforced.
func TestUniqueLookupAfterUpdateNoPK(t *testing.T) {
	db := openDB(t, startStandalone(t), "")
	mustExec(t, db, "CREATE DATABASE uk", "USE uk", "CREATE TABLE uk.t (id int NOT NULL, u int, UNIQUE KEY uk (id))",
		"INSERT INTO uk.t VALUES (1,0),(2,0)", "UPDATE uk.t SET u=1 WHERE id=1")
	require.Equal(t, []string{"2,0"}, intRows(t, db, "SELECT * FROM uk.t WHERE id=2"))
	require.Equal(t, []string{"1,1"}, intRows(t, db, "SELECT * FROM uk.t WHERE id=1"))
	requireDuplicate(t, db, "INSERT INTO uk.t VALUES (2,5)")
	requireDuplicate(t, db, "INSERT INTO uk.t VALUES (1,5)")
	requireDuplicate(t, db, "UPDATE uk.t SET id=2 WHERE id=1")
	mustExec(t, db, "UPDATE uk.t SET u=u+10 WHERE id=2", "UPDATE uk.t SET u=u+10 WHERE id=2")
	require.Equal(t, []string{"2,20"}, intRows(t, db, "SELECT * FROM uk.t WHERE id=2"))
	require.Equal(t, []string{"1,1", "2,20"}, intRows(t, db, "SELECT * FROM uk.t ORDER BY id"))
}

func TestUniqueLookupAfterDeleteNoPK(t *testing.T) {
	db := openDB(t, startStandalone(t), "")
	mustExec(t, db, "CREATE DATABASE uk", "CREATE TABLE uk.t (id int NOT NULL, u int, UNIQUE KEY uk (id))",
		"INSERT INTO uk.t VALUES (1,0),(2,0),(3,0),(4,0)", "DELETE FROM uk.t WHERE id=2")
	for id, want := range map[int]string{1: "1,0", 3: "3,0", 4: "4,0"} {
		require.Equal(t, []string{want}, intRows(t, db, "SELECT * FROM uk.t WHERE id="+strconv.Itoa(id)))
	}
	require.Empty(t, intRows(t, db, "SELECT * FROM uk.t WHERE id=2"))
	requireDuplicate(t, db, "INSERT INTO uk.t VALUES (3,9)")
	mustExec(t, db, "DELETE FROM uk.t WHERE id=1", "INSERT INTO uk.t VALUES (2,7)")
	require.Equal(t, []string{"4,0"}, intRows(t, db, "SELECT * FROM uk.t WHERE id=4"))
	require.Equal(t, []string{"2,7", "3,0", "4,0"}, intRows(t, db, "SELECT * FROM uk.t ORDER BY id"))
	requireDuplicate(t, db, "INSERT INTO uk.t VALUES (4,1)")
}

func TestCompositeUniqueKeyNoPK(t *testing.T) {
	db := openDB(t, startStandalone(t), "")
	mustExec(t, db, "CREATE DATABASE uk", "CREATE TABLE uk.t (a int NOT NULL, b int NOT NULL, v int, UNIQUE KEY ab (a, b))",
		"INSERT INTO uk.t VALUES (1,1,0),(1,2,0),(2,1,0),(2,2,0)",
		"UPDATE uk.t SET v=5 WHERE a=1 AND b=1", "DELETE FROM uk.t WHERE a=2 AND b=1")
	require.Equal(t, []string{"1,2,0"}, intRows(t, db, "SELECT * FROM uk.t WHERE a=1 AND b=2"))
	require.Equal(t, []string{"2,2,0"}, intRows(t, db, "SELECT * FROM uk.t WHERE a=2 AND b=2"))
	require.Equal(t, []string{"1,1,5", "1,2,0"}, intRows(t, db, "SELECT * FROM uk.t WHERE a=1 ORDER BY b"))
	requireDuplicate(t, db, "INSERT INTO uk.t VALUES (1,2,9)")
	requireDuplicate(t, db, "INSERT INTO uk.t VALUES (2,2,9)")
	mustExec(t, db, "INSERT INTO uk.t VALUES (2,1,9)", "INSERT INTO uk.t VALUES (3,1,9)")
	require.Equal(t, []string{"1,1,5", "1,2,0", "2,1,9", "2,2,0", "3,1,9"}, intRows(t, db, "SELECT * FROM uk.t ORDER BY a, b"))
}

// NULLs never conflict in a unique key, before and after changes.
func TestNullableUniqueKeyNoPK(t *testing.T) {
	db := openDB(t, startStandalone(t), "")
	mustExec(t, db, "CREATE DATABASE uk", "CREATE TABLE uk.t (u int NULL, v int, UNIQUE KEY uu (u))",
		"INSERT INTO uk.t VALUES (NULL,1),(NULL,2),(1,3),(2,4)",
		"UPDATE uk.t SET v=10 WHERE v=1", "DELETE FROM uk.t WHERE u=1", "INSERT INTO uk.t VALUES (NULL,5)")
	require.Equal(t, []string{"2,4"}, intRows(t, db, "SELECT * FROM uk.t WHERE u=2"))
	require.Equal(t, []string{"NULL,2", "NULL,5", "NULL,10"}, intRows(t, db, "SELECT * FROM uk.t WHERE u IS NULL ORDER BY v"))
	requireDuplicate(t, db, "INSERT INTO uk.t VALUES (2,6)")
	mustExec(t, db, "UPDATE uk.t SET u=1 WHERE v=10", "UPDATE uk.t SET u=NULL WHERE u=2")
	require.Equal(t, []string{"1,10"}, intRows(t, db, "SELECT * FROM uk.t WHERE u=1"))
	require.Empty(t, intRows(t, db, "SELECT * FROM uk.t WHERE u=2"))
	require.Equal(t, 3, count(t, db, "SELECT COUNT(*) FROM uk.t WHERE u IS NULL"))
}

// A table with a primary key and a secondary unique key: the engine sorts
// its rows after each change, which moved the shared locations as well.
func TestUniqueLookupWithPK(t *testing.T) {
	db := openDB(t, startStandalone(t), "")
	mustExec(t, db, "CREATE DATABASE uk", "CREATE TABLE uk.p (pk int PRIMARY KEY, id int NOT NULL, u int, UNIQUE KEY uk (id))",
		"INSERT INTO uk.p VALUES (3,30,0),(1,10,0),(2,20,0)", "DELETE FROM uk.p WHERE pk=1", "UPDATE uk.p SET u=1 WHERE id=20")
	require.Equal(t, []string{"2,20,1"}, intRows(t, db, "SELECT * FROM uk.p WHERE id=20"))
	require.Equal(t, []string{"3,30,0"}, intRows(t, db, "SELECT * FROM uk.p WHERE id=30"))
	require.Equal(t, []string{"3,30,0"}, intRows(t, db, "SELECT * FROM uk.p WHERE pk=3"))
	requireDuplicate(t, db, "INSERT INTO uk.p VALUES (4,30,0)")
	requireDuplicate(t, db, "INSERT INTO uk.p VALUES (2,40,0)")
	mustExec(t, db, "INSERT INTO uk.p VALUES (1,10,0)")
	require.Equal(t, []string{"1,10,0", "2,20,1", "3,30,0"}, intRows(t, db, "SELECT * FROM uk.p ORDER BY pk"))
}

// A failed statement inside a transaction restores the engine's undo copy,
// which must not have been changed by the statement either.
func TestFailedStatementKeepsIndexNoPK(t *testing.T) {
	db := openDB(t, startStandalone(t), "")
	mustExec(t, db, "CREATE DATABASE uk", "CREATE TABLE uk.t (id int NOT NULL, u int, UNIQUE KEY uk (id))",
		"INSERT INTO uk.t VALUES (1,0),(2,0),(3,0)")
	c := conns(t, db, 1)[0]
	connExec(t, c, "BEGIN", "DELETE FROM uk.t WHERE id=1")
	_, err := c.ExecContext(context.Background(), "UPDATE uk.t SET id=3 WHERE id=2")
	require.Error(t, err, "duplicate id 3")
	var n int
	require.NoError(t, c.QueryRowContext(context.Background(), "SELECT u FROM uk.t WHERE id=3").Scan(&n))
	require.NoError(t, c.QueryRowContext(context.Background(), "SELECT u FROM uk.t WHERE id=2").Scan(&n))
	connExec(t, c, "COMMIT")
	require.Equal(t, []string{"2,0", "3,0"}, intRows(t, db, "SELECT * FROM uk.t ORDER BY id"))
	require.Equal(t, []string{"3,0"}, intRows(t, db, "SELECT * FROM uk.t WHERE id=3"))
}

// The reflective copy of the index rows reaches the engine's editor: an
// engine upgrade that renames its fields fails here, not in production.
func TestOwnIndexRowsReachesEngine(t *testing.T) {
	s := startStandalone(t)
	db := openDB(t, s, "")
	mustExec(t, db, "CREATE DATABASE uk", "CREATE TABLE uk.t (id int NOT NULL, UNIQUE KEY uk (id))",
		"CREATE TABLE uk.p (id int PRIMARY KEY, v int, KEY kv (v))")
	for _, table := range []string{"t", "p"} {
		c := s.engineCtx(context.Background(), "uk")
		tbl, err := s.engineTable(c, "uk", table)
		require.NoError(t, err)
		ut, ok := tbl.(gmssql.UpdatableTable)
		require.True(t, ok, "%T", tbl)
		ed, ok := ut.Updater(c).(gmssql.TableEditor)
		require.True(t, ok)
		require.True(t, ownEditorIndexRows(ed), table)
	}
	require.False(t, ownEditorIndexRows(&hookEditor{}), "not the engine's editor")
	var nilEditor *hookEditor
	require.False(t, ownEditorIndexRows(nilEditor))
}

// Another session's commit leaves the copy of an open transaction alone:
// the commit's apply deletes rows on its own copy of the table too.
func TestCommitKeepsOpenTxnIndexNoPK(t *testing.T) {
	db := openDB(t, startStandalone(t), "")
	mustExec(t, db, "CREATE DATABASE uk", "CREATE TABLE uk.t (id int NOT NULL, u int, UNIQUE KEY uk (id))",
		"INSERT INTO uk.t VALUES (1,10),(2,20),(3,30)")
	c := conns(t, db, 1)[0]
	connExec(t, c, "BEGIN")
	var u int
	require.NoError(t, c.QueryRowContext(context.Background(), "SELECT u FROM uk.t WHERE id=3").Scan(&u))
	mustExec(t, db, "DELETE FROM uk.t WHERE id=1", "UPDATE uk.t SET u=25 WHERE id=2")
	for _, id := range []int{1, 2, 3} {
		require.NoError(t, c.QueryRowContext(context.Background(), "SELECT u FROM uk.t WHERE id=?", id).Scan(&u), "id %d", id)
		require.Equal(t, 10*id, u, "the transaction's own snapshot of id %d", id)
	}
	connExec(t, c, "COMMIT")
	require.Equal(t, []string{"2,25", "3,30"}, intRows(t, db, "SELECT * FROM uk.t ORDER BY id"))
	require.Equal(t, []string{"3,30"}, intRows(t, db, "SELECT * FROM uk.t WHERE id=3"))
}
