package checkpoint

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"sync"
	"testing"
)

// recorder is a database/sql driver that records the statements executed
// and fails the first `fail` of them.
type recorder struct {
	mu    sync.Mutex
	stmts []string
	fail  int
}

var errInjected = errors.New("injected failure")

func (r *recorder) open(t *testing.T) *sql.DB {
	t.Helper()
	db := sql.OpenDB(r)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func (r *recorder) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.stmts) == 0 {
		return ""
	}
	return r.stmts[len(r.stmts)-1]
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.stmts)
}

// Connect implements driver.Connector.
func (r *recorder) Connect(context.Context) (driver.Conn, error) { return &recConn{r: r}, nil }

// Driver implements driver.Connector.
func (r *recorder) Driver() driver.Driver { return nil }

type recConn struct{ r *recorder }

func (c *recConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("not supported") }
func (c *recConn) Close() error                        { return nil }
func (c *recConn) Begin() (driver.Tx, error)           { return nil, errors.New("not supported") }

// QueryContext records the query and returns no rows.
func (c *recConn) QueryContext(_ context.Context, query string, _ []driver.NamedValue) (driver.Rows, error) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	c.r.stmts = append(c.r.stmts, query)
	return emptyRows{}, nil
}

type emptyRows struct{}

func (emptyRows) Columns() []string         { return []string{"checkPoint"} }
func (emptyRows) Close() error              { return nil }
func (emptyRows) Next([]driver.Value) error { return io.EOF }

func (r *recorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.stmts...)
}

func (c *recConn) ExecContext(_ context.Context, query string, _ []driver.NamedValue) (driver.Result, error) {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	c.r.stmts = append(c.r.stmts, query)
	if c.r.fail > 0 {
		c.r.fail--
		return nil, errInjected
	}
	return driver.RowsAffected(1), nil
}
