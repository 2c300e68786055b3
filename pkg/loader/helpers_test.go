package loader

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testDB opens the local MariaDB and creates a fresh database dropped at the
// end of the test. It returns the *sql.DB (from OpenDB) and the database name.
func testDB(t *testing.T) (*sql.DB, string) {
	t.Helper()
	db, err := OpenDB(DBConfig{Host: "127.0.0.1", Port: 3306, User: "root", ReadTimeout: time.Minute})
	require.NoError(t, err, "MariaDB must run on 127.0.0.1:3306 (scripts/ensure-mariadb.sh)")
	name := fmt.Sprintf("loader_test_%d", rand.Uint64()%1_000_000_000)
	_, err = db.Exec("CREATE DATABASE " + name)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name)
		db.Close()
	})
	return db, name
}

// dbConn is a test database: the handle and the database name.
type dbConn struct {
	*sql.DB
	name string
}

func newDBConn(t *testing.T) dbConn {
	db, name := testDB(t)
	return dbConn{db, name}
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	_, err := db.Exec(query, args...)
	require.NoError(t, err, query)
}

// startLoader starts l.Run and returns a function that closes the input,
// waits for Run and returns its error and every success seen.
func startLoader(t *testing.T, l *Loader) func() ([]*Txn, error) {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- l.Run(context.Background()) }()
	var got []*Txn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for txn := range l.Successes() {
			got = append(got, txn)
		}
	}()
	return func() ([]*Txn, error) {
		close(l.Input())
		err := <-errc
		<-done
		return got, err
	}
}

type dbQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryRows returns every row of a query as strings (NULL as "NULL").
func queryRows(t *testing.T, db dbQuerier, query string, args ...any) [][]string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), query, args...)
	require.NoError(t, err)
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
			row[i] = "NULL"
			if v.Valid {
				row[i] = v.String
			}
		}
		out = append(out, row)
	}
	require.NoError(t, rows.Err())
	return out
}
