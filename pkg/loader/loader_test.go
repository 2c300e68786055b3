package loader

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func ins(db, tbl string, vals map[string]any) *DML {
	return &DML{Database: db, Table: tbl, Tp: InsertDMLType, Values: vals}
}

func upd(db, tbl string, old, vals map[string]any) *DML {
	return &DML{Database: db, Table: tbl, Tp: UpdateDMLType, Values: vals, OldValues: old}
}

func del(db, tbl string, vals map[string]any) *DML {
	return &DML{Database: db, Table: tbl, Tp: DeleteDMLType, Values: vals}
}

func TestLoaderBasicDMLAndDDL(t *testing.T) {
	db, name := testDB(t)
	l, err := New(db, DefaultOptions())
	require.NoError(t, err)
	finish := startLoader(t, l)
	l.Input() <- &Txn{DDL: &DDL{Database: name, Table: "t", SQL: "CREATE TABLE t (id BIGINT PRIMARY KEY, v VARCHAR(20))"}}
	l.Input() <- &Txn{DMLs: []*DML{
		ins(name, "t", map[string]any{"id": int64(1), "v": "a"}),
		ins(name, "t", map[string]any{"id": int64(2), "v": "b"}),
	}}
	l.Input() <- &Txn{DMLs: []*DML{
		upd(name, "t", map[string]any{"id": int64(1), "v": "a"}, map[string]any{"id": int64(1), "v": "z"}),
		del(name, "t", map[string]any{"id": int64(2), "v": "b"}),
	}}
	got, err := finish()
	require.NoError(t, err)
	require.Len(t, got, 3)
	require.Equal(t, [][]string{{"1", "z"}}, queryRows(t, db, "SELECT id, v FROM "+name+".t ORDER BY id"))
}
