package loader_test

import (
	"strings"
	"testing"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

func colInfo(name, tp string) *secondarypb.ColumnInfo {
	return &secondarypb.ColumnInfo{Name: proto.String(name), MysqlType: proto.String(tp)}
}

// dml builds a DML binlog on db.t(id int, f float, d double, j json, b bit, s varchar, bin varbinary).
func dml(ts int64, muts ...*secondarypb.TableMutation) *secondarypb.Binlog {
	return &secondarypb.Binlog{
		Type:     secondarypb.BinlogType_DML.Enum(),
		CommitTs: proto.Int64(ts),
		DmlData: &secondarypb.DMLData{Tables: []*secondarypb.Table{{
			SchemaName: proto.String("db"), TableName: proto.String("t"),
			ColumnInfo: []*secondarypb.ColumnInfo{colInfo("id", "int"), colInfo("f", "float"), colInfo("d", "double"),
				colInfo("j", "json"), colInfo("b", "bit"), colInfo("s", "varchar"), colInfo("bin", "varbinary")},
			Mutations: muts,
		}}},
	}
}

func ddl(ts int64) *secondarypb.Binlog {
	return &secondarypb.Binlog{
		Type:     secondarypb.BinlogType_DDL.Enum(),
		CommitTs: proto.Int64(ts),
		DdlData: &secondarypb.DDLData{
			SchemaName: proto.String("db"), TableName: proto.String("t"),
			DdlQuery: []byte("create table t(a int) -- " + strings.Repeat("x", 100)),
		},
	}
}

func secRow(id int64, s string) *secondarypb.Row {
	return &secondarypb.Row{Columns: []*secondarypb.Column{
		{Int64Value: proto.Int64(id)}, {DoubleValue: proto.Float64(1.5)}, {DoubleValue: proto.Float64(2.25)},
		{BytesValue: []byte(`{"a":1}`)}, {BytesValue: []byte{0, 0, 0, 0, 0, 0, 0, 0, 1, 2}},
		{StringValue: proto.String(s)}, {IsNull: proto.Bool(true)},
	}}
}

func TestSecondaryBinlogToTxn(t *testing.T) {
	txn, err := loader.SecondaryBinlogToTxn(ddl(5))
	require.NoError(t, err)
	require.Equal(t, &loader.DDL{Database: "db", Table: "t", SQL: string(ddl(5).GetDdlData().GetDdlQuery())}, txn.DDL)
	require.EqualValues(t, 5, txn.CommitTS)

	txn, err = loader.SecondaryBinlogToTxn(dml(6,
		&secondarypb.TableMutation{Type: secondarypb.MutationType_Insert.Enum(), Row: secRow(1, "x")},
		&secondarypb.TableMutation{Type: secondarypb.MutationType_Update.Enum(), Row: secRow(1, "new"), ChangeRow: secRow(1, "old")},
		&secondarypb.TableMutation{Type: secondarypb.MutationType_Delete.Enum(), Row: secRow(1, "new")},
	))
	require.NoError(t, err)
	require.Len(t, txn.DMLs, 3)
	ins := txn.DMLs[0]
	require.Equal(t, loader.InsertDMLType, ins.Tp)
	require.Equal(t, map[string]any{"id": int64(1), "f": float32(1.5), "d": 2.25, "j": `{"a":1}`,
		"b": uint64(0x0102), "s": "x", "bin": nil}, ins.Values)
	require.Nil(t, ins.OldValues)
	upd := txn.DMLs[1]
	require.Equal(t, loader.UpdateDMLType, upd.Tp)
	require.Equal(t, "new", upd.Values["s"])
	require.Equal(t, "old", upd.OldValues["s"])
	require.Equal(t, loader.DeleteDMLType, txn.DMLs[2].Tp)
	require.Equal(t, "db", txn.DMLs[2].Database)
	require.Equal(t, "t", txn.DMLs[2].Table)
}

func TestToTxnErrors(t *testing.T) {
	_, err := loader.SecondaryBinlogToTxn(&secondarypb.Binlog{Type: secondarypb.BinlogType_DDL.Enum()})
	require.ErrorIs(t, err, loader.ErrBadSecondaryBinlog)

	long := secRow(1, "x")
	long.Columns = append(long.Columns, &secondarypb.Column{})
	_, err = loader.SecondaryBinlogToTxn(dml(1, &secondarypb.TableMutation{Type: secondarypb.MutationType_Insert.Enum(), Row: long}))
	require.ErrorIs(t, err, loader.ErrBadSecondaryBinlog)

	_, err = loader.SecondaryBinlogToTxn(dml(1, &secondarypb.TableMutation{Type: secondarypb.MutationType_Update.Enum(), Row: secRow(1, "x")}))
	require.ErrorIs(t, err, loader.ErrBadSecondaryBinlog, "update without change_row")

	wide := secRow(1, "x")
	wide.Columns[4] = &secondarypb.Column{BytesValue: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9}}
	_, err = loader.SecondaryBinlogToTxn(dml(1, &secondarypb.TableMutation{Type: secondarypb.MutationType_Insert.Enum(), Row: wide}))
	require.ErrorIs(t, err, loader.ErrBadSecondaryBinlog)
}
