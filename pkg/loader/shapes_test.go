package loader

import (
	"context"
	"errors"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"
)

// applyAll runs txns through a loader with opts and returns Run's error.
func applyAll(t *testing.T, db dbConn, opts Options, txns ...*Txn) error {
	t.Helper()
	l, err := New(db.DB, opts)
	require.NoError(t, err)
	finish := startLoader(t, l)
	for _, txn := range txns {
		l.Input() <- txn
	}
	got, err := finish()
	if err == nil {
		require.Equal(t, txns, got)
	}
	return err
}

func row(kv ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func TestNullKeysAndMultipleUniqueKeys(t *testing.T) {
	db := newDBConn(t)
	// No primary key: uk1 (a) may be NULL, uk2 (b, c) is composite.
	mustExec(t, db.DB, "CREATE TABLE "+db.name+".t (a INT NULL, b INT NOT NULL, c VARCHAR(8) NOT NULL, v INT, UNIQUE KEY uk1(a), UNIQUE KEY uk2(b, c))")
	n := db.name
	for _, safe := range []bool{false, true} {
		mustExec(t, db.DB, "DELETE FROM "+n+".t")
		opts := DefaultOptions()
		opts.SafeMode = safe
		err := applyAll(t, db, opts,
			&Txn{DMLs: []*DML{
				ins(n, "t", row("a", nil, "b", int64(1), "c", "x", "v", int64(1))),
				ins(n, "t", row("a", int64(7), "b", int64(2), "c", "y", "v", int64(2))),
				ins(n, "t", row("a", nil, "b", int64(3), "c", "z", "v", nil)),
			}},
			// a is NULL: the WHERE uses uk2.
			&Txn{DMLs: []*DML{upd(n, "t", row("a", nil, "b", int64(1), "c", "x", "v", int64(1)), row("a", int64(8), "b", int64(1), "c", "x", "v", int64(10)))}},
			// a is set: the WHERE uses uk1, which the update moves.
			&Txn{DMLs: []*DML{upd(n, "t", row("a", int64(7), "b", int64(2), "c", "y", "v", int64(2)), row("a", int64(9), "b", int64(2), "c", "yy", "v", int64(20)))}},
			&Txn{DMLs: []*DML{del(n, "t", row("a", nil, "b", int64(3), "c", "z", "v", nil))}},
		)
		require.NoError(t, err)
		require.Equal(t, [][]string{{"8", "1", "x", "10"}, {"9", "2", "yy", "20"}},
			queryRows(t, db.DB, "SELECT a, b, c, v FROM "+n+".t ORDER BY b"))
	}
}

func TestNoKeyTableNullValues(t *testing.T) {
	db := newDBConn(t)
	n := db.name
	mustExec(t, db.DB, "CREATE TABLE "+n+".t (a INT, b VARCHAR(8))")
	err := applyAll(t, db, DefaultOptions(),
		&Txn{DMLs: []*DML{ins(n, "t", row("a", nil, "b", "x")), ins(n, "t", row("a", nil, "b", "x")), ins(n, "t", row("a", int64(1), "b", nil))}},
		&Txn{DMLs: []*DML{upd(n, "t", row("a", nil, "b", "x"), row("a", int64(2), "b", "x"))}},
		&Txn{DMLs: []*DML{del(n, "t", row("a", int64(1), "b", nil))}},
	)
	require.NoError(t, err)
	require.Equal(t, [][]string{{"NULL", "x"}, {"2", "x"}}, queryRows(t, db.DB, "SELECT a, b FROM "+n+".t ORDER BY a"))
}

// TestUniqueKeySwap moves unique values between rows inside one batch:
// causality must keep the three updates in order although they have
// different primary keys.
func TestUniqueKeySwap(t *testing.T) {
	db := newDBConn(t)
	n := db.name
	mustExec(t, db.DB, "CREATE TABLE "+n+".t (id INT PRIMARY KEY, u INT NOT NULL UNIQUE)")
	mustExec(t, db.DB, "INSERT INTO "+n+".t VALUES (1, 100), (2, 200)")
	for _, merge := range []bool{false, true} {
		opts := DefaultOptions()
		opts.Merge = merge
		a, b := int64(100), int64(200)
		var txns []*Txn
		for i := 0; i < 50; i++ {
			txns = append(txns,
				&Txn{DMLs: []*DML{upd(n, "t", row("id", int64(1), "u", a), row("id", int64(1), "u", int64(-1)))}},
				&Txn{DMLs: []*DML{upd(n, "t", row("id", int64(2), "u", b), row("id", int64(2), "u", a))}},
				&Txn{DMLs: []*DML{upd(n, "t", row("id", int64(1), "u", int64(-1)), row("id", int64(1), "u", b))}},
			)
			a, b = b, a
		}
		require.NoError(t, applyAll(t, db, opts, txns...))
		require.Equal(t, [][]string{{"1", "100"}, {"2", "200"}}, queryRows(t, db.DB, "SELECT id, u FROM "+n+".t ORDER BY id"))
	}
}

func TestUpdateChangesPrimaryKey(t *testing.T) {
	db := newDBConn(t)
	n := db.name
	mustExec(t, db.DB, "CREATE TABLE "+n+".t (a INT, b VARCHAR(4), v INT, PRIMARY KEY (a, b))")
	for _, merge := range []bool{false, true} {
		for _, safe := range []bool{false, true} {
			mustExec(t, db.DB, "DELETE FROM "+n+".t")
			opts := DefaultOptions()
			opts.Merge, opts.SafeMode = merge, safe
			err := applyAll(t, db, opts,
				&Txn{DMLs: []*DML{ins(n, "t", row("a", int64(1), "b", "x", "v", int64(1)))}},
				&Txn{DMLs: []*DML{upd(n, "t", row("a", int64(1), "b", "x", "v", int64(1)), row("a", int64(2), "b", "y", "v", int64(2)))}},
				&Txn{DMLs: []*DML{ins(n, "t", row("a", int64(1), "b", "x", "v", int64(3)))}},
				&Txn{DMLs: []*DML{upd(n, "t", row("a", int64(2), "b", "y", "v", int64(2)), row("a", int64(3), "b", "z", "v", int64(4)))}},
			)
			require.NoError(t, err)
			require.Equal(t, [][]string{{"1", "x", "3"}, {"3", "z", "4"}}, queryRows(t, db.DB, "SELECT a, b, v FROM "+n+".t ORDER BY a"))
		}
	}
}

func TestPermanentErrorsStopTheLoader(t *testing.T) {
	db := newDBConn(t)
	n := db.name
	mustExec(t, db.DB, "CREATE TABLE "+n+".t (id INT PRIMARY KEY, s VARCHAR(3))")
	cases := []struct {
		name string
		dml  *DML
		code uint16
	}{
		{"data_too_long", ins(n, "t", row("id", int64(1), "s", "secret-value")), 1406},
		{"unknown_column", ins(n, "t", row("id", int64(2), "nope", int64(1))), 1054},
		{"duplicate", ins(n, "t", row("id", int64(3), "s", "abc")), 1062},
	}
	mustExec(t, db.DB, "INSERT INTO "+n+".t VALUES (3, 'abc')")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, disp := range []bool{true, false} {
				opts := DefaultOptions()
				opts.EnableDispatch = disp
				err := applyAll(t, db, opts, &Txn{CommitTS: 4242, DMLs: []*DML{c.dml}})
				var ae *ApplyError
				require.ErrorAs(t, err, &ae)
				require.Equal(t, "`"+n+"`.`t`", ae.Table)
				require.Equal(t, "insert", ae.Op)
				require.EqualValues(t, 4242, ae.CommitTS)
				var me *mysql.MySQLError
				require.ErrorAs(t, err, &me)
				require.Equal(t, c.code, me.Number)
				require.NotContains(t, err.Error(), "secret")
				require.NotContains(t, err.Error(), "'abc'")
			}
		})
	}
}

func TestPartialColumnMode(t *testing.T) {
	db := newDBConn(t)
	n := db.name
	mustExec(t, db.DB, "CREATE TABLE "+n+".t (id INT PRIMARY KEY, s VARCHAR(8), g INT AS (id * 2) VIRTUAL)")
	opts := DefaultOptions()
	opts.SyncMode = PartialColumn
	// "extra" is not downstream and "g" is generated: both are left out.
	err := applyAll(t, db, opts,
		&Txn{DMLs: []*DML{ins(n, "t", row("id", int64(1), "s", "a", "extra", int64(5), "g", int64(2)))}},
		&Txn{DMLs: []*DML{upd(n, "t", row("id", int64(1), "s", "a", "extra", int64(5), "g", int64(2)), row("id", int64(1), "s", "b", "extra", int64(6), "g", int64(2)))}},
	)
	require.NoError(t, err)
	require.Equal(t, [][]string{{"1", "b", "2"}}, queryRows(t, db.DB, "SELECT id, s, g FROM "+n+".t"))
	// In full-column mode a generated column is still left out.
	opts.SyncMode = FullColumn
	require.NoError(t, applyAll(t, db, opts, &Txn{DMLs: []*DML{ins(n, "t", row("id", int64(2), "s", "c", "g", int64(4)))}}))
}

func TestDDLIgnorableErrorsAndEviction(t *testing.T) {
	db := newDBConn(t)
	n := db.name
	ddl := func(sql string) *Txn { return &Txn{DDL: &DDL{Database: n, Table: "t", SQL: sql}} }
	err := applyAll(t, db, DefaultOptions(),
		ddl("CREATE TABLE t (id INT PRIMARY KEY)"),
		ddl("CREATE TABLE t (id INT PRIMARY KEY)"), // 1050 exists
		&Txn{DMLs: []*DML{ins(n, "t", row("id", int64(1)))}},
		ddl("ALTER TABLE t ADD COLUMN c INT"),
		ddl("ALTER TABLE t ADD COLUMN c INT"), // 1060 duplicate column
		&Txn{DMLs: []*DML{ins(n, "t", row("id", int64(2), "c", int64(5)))}},
		ddl("ALTER TABLE t ADD INDEX idx(c)"),
		ddl("ALTER TABLE t ADD INDEX idx(c)"),                                 // 1061 duplicate key name
		ddl("ALTER TABLE t DROP INDEX nope"),                                  // 1091 can't drop
		ddl("DROP TABLE nope"),                                                // 1051 unknown table
		&Txn{DDL: &DDL{Database: n + "_x", SQL: "DROP DATABASE " + n + "_x"}}, // 1008
		&Txn{DDL: &DDL{Database: n, Table: "t", SQL: "ALTER TABLE t ADD COLUMN zzz INT", ShouldSkip: true}},
	)
	require.NoError(t, err)
	require.Equal(t, [][]string{{"1", "NULL"}, {"2", "5"}}, queryRows(t, db.DB, "SELECT id, c FROM "+n+".t ORDER BY id"))
	// A syntax error is not ignorable.
	err = applyAll(t, db, DefaultOptions(), &Txn{CommitTS: 9, DDL: &DDL{Database: n, Table: "t", SQL: "ALTER TABLE t ADD COLUMN"}})
	var ae *ApplyError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "ddl", ae.Op)
	require.EqualValues(t, 9, ae.CommitTS)
}

func TestSafeModeSwitchWhileRunning(t *testing.T) {
	db := newDBConn(t)
	n := db.name
	mustExec(t, db.DB, "CREATE TABLE "+n+".t (id INT PRIMARY KEY, v INT)")
	l, err := New(db.DB, DefaultOptions())
	require.NoError(t, err)
	require.False(t, l.GetSafeMode())
	finish := startLoader(t, l)
	l.Input() <- &Txn{DMLs: []*DML{ins(n, "t", row("id", int64(1), "v", int64(1)))}}
	l.SetSafeMode(true)
	require.True(t, l.GetSafeMode())
	// A replay of the insert succeeds in safe mode.
	l.Input() <- &Txn{DMLs: []*DML{ins(n, "t", row("id", int64(1), "v", int64(2)))}}
	_, err = finish()
	require.NoError(t, err)
	require.Equal(t, [][]string{{"1", "2"}}, queryRows(t, db.DB, "SELECT id, v FROM "+n+".t"))
}

func TestCloseStopsRun(t *testing.T) {
	db := newDBConn(t)
	l, err := New(db.DB, DefaultOptions())
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { errc <- l.Run(context.Background()) }()
	l.Close()
	require.NoError(t, <-errc)
	_, ok := <-l.Successes()
	require.False(t, ok)
	require.True(t, errors.Is(l.Run(context.Background()), ErrRunTwice))
}

func TestCloseWhileBusy(t *testing.T) {
	db := newDBConn(t)
	n := db.name
	mustExec(t, db.DB, "CREATE TABLE "+n+".t (id INT PRIMARY KEY)")
	l, err := New(db.DB, DefaultOptions())
	require.NoError(t, err)
	errc := make(chan error, 1)
	go func() { errc <- l.Run(context.Background()) }()
	stop := make(chan struct{})
	pushed := make(chan struct{})
	go func() {
		defer close(pushed)
		for i := 0; ; i++ {
			select {
			case l.Input() <- &Txn{DMLs: []*DML{ins(n, "t", row("id", int64(i)))}}:
			case <-stop:
				return
			}
		}
	}()
	seen := 0
	for range l.Successes() {
		if seen++; seen == 50 {
			l.Close()
		}
	}
	require.NoError(t, <-errc)
	close(stop)
	<-pushed
}
