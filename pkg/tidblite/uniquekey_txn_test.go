package tidblite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// binRow is a row of a binlog over integer columns: values by column id
// (absent: NULL) and the row's handle.
type binRow struct {
	h    int64
	vals map[int64]int64
}

func (r binRow) String() string { return fmt.Sprint(r.vals) }

// splitRow turns decoded (id, value) pairs into rows; a row of a table
// without a PK handle ends with its _tidb_rowid (id -1).
func splitRow(t *testing.T, cols []codec.ColumnValue) []binRow {
	t.Helper()
	var out []binRow
	cur := binRow{vals: map[int64]int64{}}
	for _, c := range cols {
		if c.ID == model.ExtraHandleID {
			cur.h = c.Value.GetInt64()
			out = append(out, cur)
			cur = binRow{vals: map[int64]int64{}}
			continue
		}
		if !c.Value.IsNull() {
			cur.vals[c.ID] = c.Value.GetInt64()
		}
	}
	require.Empty(t, cur.vals, "every row ends with _tidb_rowid")
	return out
}

// insertedRow decodes an inserted row: handle ++ old-format row.
func insertedRow(t *testing.T, b []byte) binRow {
	t.Helper()
	rest, h, err := codec.DecodeOne(b)
	require.NoError(t, err)
	cols, err := codec.DecodeOldRow(rest)
	require.NoError(t, err)
	r := binRow{h: h.GetInt64(), vals: map[int64]int64{}}
	for _, c := range cols {
		if !c.Value.IsNull() {
			r.vals[c.ID] = c.Value.GetInt64()
		}
	}
	return r
}

// changedRows decodes an updated (old, new) or deleted (one) row.
func changedRows(t *testing.T, b []byte) []binRow {
	t.Helper()
	cols, err := codec.DecodeOldRow(b)
	require.NoError(t, err)
	return splitRow(t, cols)
}

// replayCommitted applies the committed row binlogs of table id to a map of
// handle to row, in commit order, the way a downstream with the table's
// unique key would: an update or delete must find the row it names by
// handle with the old values, an insert takes a new handle.
func replayCommitted(t *testing.T, bs []*binlogpb.Binlog, tableID int64) map[int64]binRow {
	t.Helper()
	type committed struct {
		commitTS int64
		pv       *binlogpb.PrewriteValue
	}
	var cs []committed
	for _, p := range prewrites(bs) {
		if c := finish(t, bs, p); c.GetTp() == binlogpb.BinlogType_Commit && p.GetDdlJobId() == 0 {
			cs = append(cs, committed{c.GetCommitTs(), pvOf(t, p)})
		}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].commitTS < cs[j].commitTS })
	state := map[int64]binRow{}
	for _, c := range cs {
		for _, m := range c.pv.GetMutations() {
			if m.GetTableId() != tableID {
				continue
			}
			var ins, upd, del int
			for _, tp := range m.GetSequence() {
				switch tp {
				case binlogpb.MutationType_Insert:
					r := insertedRow(t, m.GetInsertedRows()[ins])
					ins++
					require.NotContains(t, state, r.h, "insert of a used handle")
					state[r.h] = r
				case binlogpb.MutationType_Update:
					rs := changedRows(t, m.GetUpdatedRows()[upd])
					upd++
					require.Len(t, rs, 2)
					require.Equal(t, rs[0].h, rs[1].h, "an update keeps the handle")
					require.Equal(t, state[rs[0].h].vals, rs[0].vals, "the old row is the row the handle has")
					state[rs[1].h] = rs[1]
				case binlogpb.MutationType_DeleteRow:
					rs := changedRows(t, m.GetDeletedRows()[del])
					del++
					require.Len(t, rs, 1)
					require.Equal(t, state[rs[0].h].vals, rs[0].vals, "the deleted row is the row the handle has")
					delete(state, rs[0].h)
				}
			}
		}
	}
	return state
}

func tableIDOf(t *testing.T, s *Server, db, table string) int64 {
	t.Helper()
	s.catMu.RLock()
	defer s.catMu.RUnlock()
	_, ti := s.cat.table(db, table)
	require.NotNil(t, ti)
	return ti.ID
}

// The binlog rows of a table without PK carry each row's _tidb_rowid: an
// update and a delete name the handle the row was inserted with.
func TestNoPKBinlogHandles(t *testing.T) {
	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	mustExec(t, db, "CREATE DATABASE uk", "CREATE TABLE uk.t (id int NOT NULL, u int, UNIQUE KEY uk (id))")
	f.waitPairs(t, 2)
	mustExec(t, db, "INSERT INTO uk.t VALUES (1,0),(2,0)", "UPDATE uk.t SET u=1 WHERE id=1", "DELETE FROM uk.t WHERE id=2",
		"INSERT INTO uk.t VALUES (2,5)", "UPDATE uk.t SET u=6 WHERE id=2")
	bs := f.waitPairs(t, 7)
	ps := prewrites(bs)[2:]
	muts := make([]*binlogpb.TableMutation, len(ps))
	for i, p := range ps {
		require.Equal(t, binlogpb.BinlogType_Commit, finish(t, bs, p).GetTp())
		m := pvOf(t, p).GetMutations()
		require.Len(t, m, 1)
		muts[i] = m[0]
	}
	require.Len(t, muts[0].GetInsertedRows(), 2)
	h1, h2 := insertedRow(t, muts[0].GetInsertedRows()[0]).h, insertedRow(t, muts[0].GetInsertedRows()[1]).h
	require.NotEqual(t, h1, h2)
	upd := changedRows(t, muts[1].GetUpdatedRows()[0])
	require.Equal(t, []int64{h1, h1}, []int64{upd[0].h, upd[1].h}, "update of id 1")
	require.Equal(t, map[int64]int64{1: 1, 2: 1}, upd[1].vals)
	require.Equal(t, h2, changedRows(t, muts[2].GetDeletedRows()[0])[0].h, "delete of id 2")
	h3 := insertedRow(t, muts[3].GetInsertedRows()[0]).h
	require.NotContains(t, []int64{h1, h2}, h3, "a new row, a new handle")
	require.Equal(t, h3, changedRows(t, muts[4].GetUpdatedRows()[0])[0].h, "update of the new id 2")

	state := replayCommitted(t, bs, tableIDOf(t, s, "uk", "t"))
	require.Equal(t, map[int64]binRow{h1: {h1, map[int64]int64{1: 1, 2: 1}}, h3: {h3, map[int64]int64{1: 2, 2: 6}}}, state)
	require.Equal(t, []string{"2,6"}, intRows(t, db, "SELECT * FROM uk.t WHERE id=2"))
}

// Two transactions change the same row of a table without PK: the later
// COMMIT fails with TiDB's write conflict on the row's _tidb_rowid, and the
// row keeps the winner's values (it was duplicated before).
func TestNoPKRowWriteConflict(t *testing.T) {
	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	mustExec(t, db, "CREATE DATABASE uk", "CREATE TABLE uk.t (k int NOT NULL, n int, UNIQUE KEY uk (k))",
		"INSERT INTO uk.t VALUES (0, 1)")
	bs := f.waitPairs(t, 3)
	h := insertedRow(t, pvOf(t, prewrites(bs)[2]).GetMutations()[0].GetInsertedRows()[0]).h
	c := conns(t, db, 2)
	connExec(t, c[0], "BEGIN", "INSERT INTO uk.t VALUES (0, 1) ON DUPLICATE KEY UPDATE n = n + 1")
	connExec(t, c[1], "BEGIN", "INSERT INTO uk.t VALUES (0, 1) ON DUPLICATE KEY UPDATE n = n + 1")
	connExec(t, c[0], "COMMIT")
	_, err := c[1].ExecContext(context.Background(), "COMMIT")
	var me *mysql.MySQLError
	require.True(t, errors.As(err, &me), "%v", err)
	require.EqualValues(t, codeWriteConflict, me.Number)
	require.Contains(t, me.Message, fmt.Sprintf("tableName=uk.t, handle=%d}", h))
	require.Equal(t, []string{"0,2"}, intRows(t, db, "SELECT * FROM uk.t"))
	connExec(t, c[1], "BEGIN", "INSERT INTO uk.t VALUES (0, 1) ON DUPLICATE KEY UPDATE n = n + 1", "COMMIT")
	require.Equal(t, []string{"0,3"}, intRows(t, db, "SELECT * FROM uk.t WHERE k = 0"))
}

// incrTxn runs stmt (one placeholder: the key) for keys in one explicit
// transaction.
func incrTxn(db *sql.DB, stmt string, keys ...int) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	for _, k := range keys {
		res, err := tx.Exec(stmt, k)
		if err == nil {
			// At most two rows change (or an upsert's update, counted
			// twice): more means rows were duplicated, which makes every
			// later statement slower; fail fast.
			var n int64
			if n, err = res.RowsAffected(); err == nil && n > 2 {
				err = fmt.Errorf("%s changed %d rows of key %d", stmt, n, k)
			}
		}
		if err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// maxAttempts bounds the retries of one transaction: a session retries a
// handful of times at most when the others all commit; a stuck commit path
// fails the test instead of hanging it.
const maxAttempts = 200

// incrWorkers runs workers sessions of each explicit transactions that
// increment two keys with stmt, retrying write conflicts. It returns the
// increments committed per key and the COMMITs tried.
func incrWorkers(t *testing.T, db *sql.DB, stmt string, workers, each, keys int) (map[int]int, int) {
	t.Helper()
	var mu sync.Mutex
	done, tries := map[int]int{}, 0
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				ks := []int{(w + i) % keys, (w + 2*i + 1) % keys}
				for attempt := 1; ; attempt++ {
					err := incrTxn(db, stmt, ks...)
					mu.Lock()
					tries++
					mu.Unlock()
					var me *mysql.MySQLError
					if errors.As(err, &me) && me.Number == codeWriteConflict && attempt < maxAttempts {
						continue
					}
					if err != nil {
						errs <- err
						break
					}
					mu.Lock()
					for _, k := range ks {
						done[k]++
					}
					mu.Unlock()
					break
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	return done, tries
}

// Several sessions increment a few keys with INSERT ... ON DUPLICATE KEY
// UPDATE in explicit transactions: every committed increment counts
// exactly once, each key has one row, and the committed binlog rows replay
// to the same table on a downstream that enforces the key. The table with
// a PK is the control.
func TestConcurrentUpsertIncrements(t *testing.T) {
	for _, tc := range []struct{ name, ddl string }{
		{"nopk", "CREATE TABLE uk.t (k int NOT NULL, n int, UNIQUE KEY uk (k))"},
		{"pk", "CREATE TABLE uk.t (k int PRIMARY KEY, n int)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, f := startWithFakePumps(t)
			db := openDB(t, s, "")
			mustExec(t, db, "CREATE DATABASE uk", tc.ddl)
			f.waitPairs(t, 2)
			db.SetMaxOpenConns(6)
			const workers, each, keys = 6, 25, 4
			done, tries := incrWorkers(t, db, "INSERT INTO uk.t VALUES (?, 1) ON DUPLICATE KEY UPDATE n = n + 1", workers, each, keys)
			var want []string
			total := 0
			for k := range keys {
				want = append(want, fmt.Sprintf("%d,%d", k, done[k]))
				total += done[k]
			}
			require.Equal(t, 2*workers*each, total)
			require.Equal(t, want, intRows(t, db, "SELECT k, n FROM uk.t ORDER BY k"))
			for k := range keys {
				require.Equal(t, []string{want[k]}, intRows(t, db, fmt.Sprintf("SELECT k, n FROM uk.t WHERE k = %d", k)))
			}
			bs := f.waitPairs(t, 2+tries)
			if tc.name != "nopk" {
				return
			}
			var got []string
			for _, r := range replayCommitted(t, bs, tableIDOf(t, s, "uk", "t")) {
				got = append(got, fmt.Sprintf("%d,%d", r.vals[1], r.vals[2]))
			}
			slices.Sort(got)
			require.Equal(t, want, got, "the binlog replays to the table")
		})
	}
}

// The same with plain UPDATEs through a non-unique key of a table without
// any key, where two rows are identical (the binlog case's itest).
func TestConcurrentUpdateIncrementsNoKey(t *testing.T) {
	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	mustExec(t, db, "CREATE DATABASE uk", "CREATE TABLE uk.t (k int NOT NULL, n int, KEY kk (k))",
		"INSERT INTO uk.t VALUES (0,0),(0,0),(1,0),(2,0),(3,0)")
	f.waitPairs(t, 3)
	db.SetMaxOpenConns(6)
	const workers, each, keys = 6, 25, 4
	done, tries := incrWorkers(t, db, "UPDATE uk.t SET n = n + 1 WHERE k = ?", workers, each, keys)
	want := []string{fmt.Sprintf("0,%d", done[0])}
	for k := range keys {
		want = append(want, fmt.Sprintf("%d,%d", k, done[k]))
	}
	require.Equal(t, want, intRows(t, db, "SELECT k, n FROM uk.t ORDER BY k, n"))
	require.Equal(t, want[:2], intRows(t, db, "SELECT k, n FROM uk.t WHERE k = 0"))
	bs := f.waitPairs(t, 3+tries)
	var got []string
	state := replayCommitted(t, bs, tableIDOf(t, s, "uk", "t"))
	for _, r := range state {
		got = append(got, fmt.Sprintf("%d,%d", r.vals[1], r.vals[2]))
	}
	require.Len(t, state, 5)
	slices.Sort(got)
	require.Equal(t, want, got, "the binlog replays to the table")
}
