package loader

import (
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// goldenTxns rebuilds the golden transactions (DDLs and DMLs) in commit
// order, in database name instead of goldendb. until is the first DDL
// statement prefix not to include ("" for all).
func goldenTxns(t *testing.T, name, until string) []*Txn {
	g := loadGolden(t)
	type ev struct {
		ts  int64
		txn *Txn
	}
	var evs []ev
	byTS := map[int64]*Txn{}
	for _, d := range g.DMLs {
		txn, ok := byTS[d.CommitTS]
		if !ok {
			txn = &Txn{CommitTS: d.CommitTS}
			byTS[d.CommitTS] = txn
			evs = append(evs, ev{d.CommitTS, txn})
		}
		dml := d.dml(t)
		dml.Database = name
		txn.DMLs = append(txn.DMLs, dml)
	}
	for _, d := range g.DDLs {
		sql := strings.ReplaceAll(d.Txn.SQL, "`goldendb`", "`"+name+"`")
		evs = append(evs, ev{d.CommitTS, &Txn{CommitTS: d.CommitTS, DDL: &DDL{Database: name, Table: d.Txn.Table, SQL: sql, ShouldSkip: d.Txn.ShouldSkip}}})
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].ts < evs[j].ts })
	var out []*Txn
	for _, e := range evs {
		if until != "" && e.txn.DDL != nil && strings.HasPrefix(e.txn.DDL.SQL, until) {
			break
		}
		out = append(out, e.txn)
	}
	return out
}

// TestGoldenApply applies the golden transactions (every column type, a
// table without key, clustered and composite primary keys, added and
// dropped columns, a new unique key) to MariaDB, then replays their DMLs
// in safe mode as a restarted drainer would.
func TestGoldenApply(t *testing.T) {
	for _, merge := range []bool{false, true} {
		t.Run(map[bool]string{false: "merge_off", true: "merge_on"}[merge], func(t *testing.T) {
			db, name := testDB(t)
			mustExec(t, db, "DROP DATABASE "+name) // the golden CREATE DATABASE makes it
			opts := DefaultOptions()
			opts.Merge = merge
			l, err := New(db, opts)
			require.NoError(t, err)
			finish := startLoader(t, l)
			txns := goldenTxns(t, name, "TRUNCATE")
			for _, txn := range txns {
				l.Input() <- txn
			}
			got, err := finish()
			require.NoError(t, err)
			require.Equal(t, txns, got)
			want := goldenFinalRows(t, db, name)

			opts.SafeMode = true
			l, err = New(db, opts)
			require.NoError(t, err)
			finish = startLoader(t, l)
			n := 0
			for _, txn := range txns {
				if !txn.IsDDL() && len(txn.DMLs[0].Values) < 18 { // rows written before c_new was dropped need it
					l.Input() <- txn
					n++
				}
			}
			got, err = finish()
			require.NoError(t, err)
			require.Len(t, got, n)
			// A table without any unique key cannot be replayed
			// idempotently (REPLACE is an INSERT there), as in the original.
			after := goldenFinalRows(t, db, name)
			delete(want, "t_nopk")
			delete(after, "t_nopk")
			require.Equal(t, want, after)
		})
	}
}

func goldenFinalRows(t *testing.T, db dbQuerier, name string) map[string][][]string {
	out := map[string][][]string{}
	for _, tbl := range []string{"t_all", "t_nopk", "t_ch", "t_ch_ci", "t_ch2"} {
		out[tbl] = queryRows(t, db, "SELECT * FROM "+quoteTable(name, tbl)+" ORDER BY 1, 2")
	}
	require.NotEmpty(t, out["t_all"])
	return out
}
