package tidblite

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
)

// oldRowColumns decodes an old-format row (column id, value pairs) into a
// map of column id to value.
func oldRowColumns(t *testing.T, b []byte) map[int64]codec.Datum {
	t.Helper()
	ds, err := codec.DecodeValues(b)
	require.NoError(t, err)
	require.Zero(t, len(ds)%2)
	out := map[int64]codec.Datum{}
	for i := 0; i < len(ds); i += 2 {
		out[ds[i].GetInt64()] = ds[i+1]
	}
	return out
}

// Generated columns as TiDB writes them: the TableInfo carries the
// expression and whether it is stored; inserted and updated rows leave the
// VIRTUAL column out (tables.CanSkip, CanSkipUpdateBinlog), deleted rows
// carry every column.
func TestGeneratedColumns(t *testing.T) {
	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "CREATE DATABASE gc", "USE gc",
		"CREATE TABLE t (id int PRIMARY KEY, a int, v int AS (a + 1) VIRTUAL, st int AS (a * 2) STORED)")
	f.waitPairs(t, 2)
	ti := lastJob(t, s).BinlogInfo.TableInfo
	require.Equal(t, "`a` + 1", ti.Columns[2].GeneratedExprString)
	require.False(t, ti.Columns[2].GeneratedStored)
	require.Equal(t, "`a` * 2", ti.Columns[3].GeneratedExprString)
	require.True(t, ti.Columns[3].GeneratedStored)
	aID, vID, stID := ti.Columns[1].ID, ti.Columns[2].ID, ti.Columns[3].ID

	mustExec(t, db, "INSERT INTO t (id, a) VALUES (1, 10)", "UPDATE t SET a = 20 WHERE id = 1", "DELETE FROM t WHERE id = 1")
	ps := prewrites(f.waitPairs(t, 5))

	ins := pvOf(t, ps[2]).GetMutations()[0].GetInsertedRows()[0]
	_, rest, err := codec.DecodeN(ins, 1) // the handle
	require.NoError(t, err)
	cols := oldRowColumns(t, rest)
	require.NotContains(t, cols, vID)
	require.EqualValues(t, 10, cols[aID].GetInt64())
	require.EqualValues(t, 20, cols[stID].GetInt64())

	upd := pvOf(t, ps[3]).GetMutations()[0].GetUpdatedRows()[0]
	ds, err := codec.DecodeValues(upd)
	require.NoError(t, err)
	require.Len(t, ds, 12, "old and new rows of id, a, st")
	for i := 0; i < len(ds); i += 2 {
		require.NotEqual(t, vID, ds[i].GetInt64())
	}

	del := oldRowColumns(t, pvOf(t, ps[4]).GetMutations()[0].GetDeletedRows()[0])
	require.EqualValues(t, 21, del[vID].GetInt64(), "a deleted row carries the virtual column")
	require.EqualValues(t, 40, del[stID].GetInt64())
}
