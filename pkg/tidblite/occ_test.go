package tidblite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// conns opens n connections of their own to a server.
func conns(t *testing.T, db *sql.DB, n int) []*sql.Conn {
	t.Helper()
	out := make([]*sql.Conn, n)
	for i := range out {
		c, err := db.Conn(context.Background())
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		out[i] = c
	}
	return out
}

func connExec(t *testing.T, c *sql.Conn, queries ...string) {
	t.Helper()
	for _, q := range queries {
		_, err := c.ExecContext(context.Background(), q)
		require.NoError(t, err, q)
	}
}

func count(t *testing.T, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, query string) int {
	t.Helper()
	var n int
	require.NoError(t, q.QueryRowContext(context.Background(), query).Scan(&n))
	return n
}

// Two transactions overlap: neither waits for the other, neither sees the
// other's rows before it commits, and both commit.
func TestTransactionsOverlap(t *testing.T) {
	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	mustExec(t, db, "CREATE DATABASE ov", "CREATE TABLE ov.t (id int PRIMARY KEY, v int)")
	f.waitPairs(t, 2)
	c := conns(t, db, 2)
	connExec(t, c[0], "BEGIN", "INSERT INTO ov.t VALUES (1, 1)")
	connExec(t, c[1], "BEGIN", "INSERT INTO ov.t VALUES (2, 2)")
	require.Equal(t, 1, count(t, c[0], "SELECT COUNT(*) FROM ov.t"), "own row only")
	require.Equal(t, 1, count(t, c[1], "SELECT COUNT(*) FROM ov.t"), "own row only")
	connExec(t, c[1], "COMMIT")
	connExec(t, c[0], "COMMIT")
	require.Equal(t, 2, count(t, db, "SELECT COUNT(*) FROM ov.t"))
	bs := f.waitPairs(t, 4)
	ps := prewrites(bs)[2:]
	require.Len(t, ps, 2)
	first, second := ps[0], ps[1] // prewrite order = commit order: c[1] first
	require.Less(t, second.GetStartTs(), finish(t, bs, first).GetCommitTs(), "the transactions overlap")
	require.Less(t, finish(t, bs, first).GetCommitTs(), finish(t, bs, second).GetCommitTs())
}

type goldenConflict struct {
	SQL     []string `json:"sql"`
	Binlogs []struct {
		Tp            string `json:"tp"`
		StartTS       int64  `json:"start_ts"`
		CommitTS      int64  `json:"commit_ts"`
		PrewriteKeyHx string `json:"prewrite_key_hex"`
	} `json:"binlogs"`
}

// goldenConflictMessage returns TiDB's write conflict message (what a MySQL
// client sees: the text after "[kv:9007]") with our values in its place.
func goldenConflictMessage(t *testing.T, g goldenConflict, startTS, confStart, confCommit, tableID int64, table string, key []byte) string {
	t.Helper()
	line := g.SQL[len(g.SQL)-1]
	msg := line[strings.Index(line, "[kv:9007]")+len("[kv:9007]"):]
	gk, err := hex.DecodeString(g.Binlogs[0].PrewriteKeyHx)
	require.NoError(t, err)
	_, gHandle, err := codec.DecodeRowKey(gk)
	require.NoError(t, err)
	gTable := codec.DecodeTableID(gk)
	repl := strings.NewReplacer(
		fmt.Sprintf("txnStartTS=%d", g.Binlogs[0].StartTS), fmt.Sprintf("txnStartTS=%d", startTS),
		"conflictStartTS=470626763467390976", fmt.Sprintf("conflictStartTS=%d", confStart),
		"conflictCommitTS=470626763467390977", fmt.Sprintf("conflictCommitTS=%d", confCommit),
		fmt.Sprintf("tableID=%d, tableName=goldendb.t_all, handle=%d", gTable, gHandle.IntValue()),
		fmt.Sprintf("tableID=%d, tableName=%s, handle=%d", tableID, table, gHandle.IntValue()),
		"originalKey="+g.Binlogs[0].PrewriteKeyHx, "originalKey="+hex.EncodeToString(key),
	)
	return repl.Replace(msg)
}

// The golden optimistic write conflict: se1's COMMIT fails with TiDB's
// 9007 error after its prewrite binlog, which a rollback binlog follows.
func TestWriteConflictAsTiDB(t *testing.T) {
	raw, err := os.ReadFile("testdata/write_conflict.json")
	require.NoError(t, err)
	var g goldenConflict
	require.NoError(t, json.Unmarshal(raw, &g))

	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	mustExec(t, db, "CREATE DATABASE goldendb", "CREATE TABLE goldendb.t_all (id bigint PRIMARY KEY, c_int int)",
		"INSERT INTO goldendb.t_all VALUES (3, 1)")
	f.waitPairs(t, 3)
	c := conns(t, db, 2)
	connExec(t, c[0], "USE goldendb", "BEGIN OPTIMISTIC", "UPDATE t_all SET c_int = 100 WHERE id = 3")
	connExec(t, c[1], "USE goldendb", "UPDATE t_all SET c_int = 200 WHERE id = 3")
	_, err = c[0].ExecContext(context.Background(), "COMMIT")
	var me *mysql.MySQLError
	require.True(t, errors.As(err, &me), "%v", err)
	require.EqualValues(t, codeWriteConflict, me.Number)

	bs := f.waitPairs(t, 5)
	ps := prewrites(bs)
	winner, loser := ps[3], ps[4]
	require.Equal(t, binlogpb.BinlogType_Rollback, finish(t, bs, loser).GetTp(), "prewrite, then rollback")
	require.Zero(t, finish(t, bs, loser).GetCommitTs())
	require.Equal(t, loser.GetPrewriteKey(), finish(t, bs, loser).GetPrewriteKey())
	tableID := codec.DecodeTableID(loser.GetPrewriteKey())
	want := goldenConflictMessage(t, g, loser.GetStartTs(), winner.GetStartTs(), finish(t, bs, winner).GetCommitTs(),
		tableID, "goldendb.t_all", loser.GetPrewriteKey())
	require.Equal(t, want, me.Message)
	require.Equal(t, 200, count(t, db, "SELECT c_int FROM goldendb.t_all WHERE id = 3"), "the winner's value stays")
}

// Many sessions write at once: AUTO_INCREMENT values never collide, every
// row arrives, and rows of disjoint keys never conflict.
func TestManySessionsAtOnce(t *testing.T) {
	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	mustExec(t, db, "CREATE DATABASE ms", "CREATE TABLE ms.a (id bigint AUTO_INCREMENT PRIMARY KEY, w int)",
		"CREATE TABLE ms.b (id int PRIMARY KEY, w int)", "CREATE TABLE ms.c (w int, n int)")
	f.waitPairs(t, 4)
	db.SetMaxOpenConns(8)
	const workers, each = 8, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if err := manyTxn(db, w, i); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, workers*each, count(t, db, "SELECT COUNT(DISTINCT id) FROM ms.a"))
	require.Equal(t, workers*each, count(t, db, "SELECT COUNT(*) FROM ms.b"))
	require.Equal(t, workers*each, count(t, db, "SELECT COUNT(*) FROM ms.c"))
	bs := f.waitPairs(t, 4+workers*each)
	for _, p := range prewrites(bs)[4:] {
		require.Equal(t, binlogpb.BinlogType_Commit, finish(t, bs, p).GetTp())
		require.Len(t, pvOf(t, p).GetMutations(), 3)
	}
}

func manyTxn(db *sql.DB, w, i int) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	for _, q := range []string{"INSERT INTO ms.a (w) VALUES (?)", "INSERT INTO ms.b VALUES (?*1000+?, ?)", "INSERT INTO ms.c VALUES (?, ?)"} {
		args := []any{w}
		switch strings.Count(q, "?") {
		case 2:
			args = []any{w, i}
		case 3:
			args = []any{w, i, w}
		}
		if _, err := tx.Exec(q, args...); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// A DDL on a table an open transaction wrote makes its COMMIT fail with
// TiDB's 8028; nothing is written.
func TestSchemaChangedFailsCommit(t *testing.T) {
	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	mustExec(t, db, "CREATE DATABASE sc", "CREATE TABLE sc.t (id int PRIMARY KEY)")
	f.waitPairs(t, 2)
	c := conns(t, db, 2)
	connExec(t, c[0], "BEGIN", "INSERT INTO sc.t VALUES (1)")
	connExec(t, c[1], "ALTER TABLE sc.t ADD COLUMN v int")
	_, err := c[0].ExecContext(context.Background(), "COMMIT")
	var me *mysql.MySQLError
	require.True(t, errors.As(err, &me), "%v", err)
	require.EqualValues(t, codeInfoSchemaChanged, me.Number)
	require.Zero(t, count(t, db, "SELECT COUNT(*) FROM sc.t"))
	connExec(t, c[0], "INSERT INTO sc.t VALUES (1, 1)")
	require.Equal(t, 1, count(t, db, "SELECT COUNT(*) FROM sc.t"))
}
