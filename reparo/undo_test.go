package reparo

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

func TestInvertBinlog(t *testing.T) {
	b := dmlBinlog(tso(1),
		event(t, "db", "t", filepb.EventType_Insert, intCol("id", 1), strCol("c", "a")),
		event(t, "db", "t", filepb.EventType_Update, updCol(intCol("id", 1), codec.NewIntDatum(2)), updCol(strCol("c", "a"), codec.NewBytesDatum([]byte("b")))),
		event(t, "db", "t", filepb.EventType_Delete, intCol("id", 3), strCol("c", "z")))
	got, err := InvertBinlog(b)
	require.NoError(t, err)
	require.Equal(t, []*loader.DML{
		{Database: "db", Table: "t", Tp: loader.InsertDMLType, Values: map[string]any{"id": int64(3), "c": "z"}},
		{Database: "db", Table: "t", Tp: loader.UpdateDMLType, Values: map[string]any{"id": int64(1), "c": "a"}, OldValues: map[string]any{"id": int64(2), "c": "b"}},
		{Database: "db", Table: "t", Tp: loader.DeleteDMLType, Values: map[string]any{"id": int64(1), "c": "a"}},
	}, got, "newest first, each one reverted")

	_, err = InvertBinlog(ddlBinlog(tso(2), "use `db`; DROP TABLE t;"))
	require.ErrorIs(t, err, ErrUndoDDL)
}

func TestUndoSQL(t *testing.T) {
	types := map[string]byte{"id": model.TypeLonglong, "f": model.TypeFloat, "s": model.TypeVarchar, "b": model.TypeBlob}
	ins := &loader.DML{Database: "d", Table: "t`x", Tp: loader.InsertDMLType,
		Values: map[string]any{"id": int64(1), "f": float32(1.5), "s": "it's\n\\", "b": []byte{0, 1}, "u": uint64(7), "n": nil}}
	require.Equal(t, "INSERT INTO `d`.`t``x` (`b`, `f`, `id`, `n`, `s`, `u`) VALUES (X'0001', 1.5, 1, NULL, 'it\\'s\\n\\\\', 7)", UndoSQL(ins, types))

	del := &loader.DML{Database: "d", Table: "t", Tp: loader.DeleteDMLType, Values: map[string]any{"id": int64(1), "f": 1.5, "s": nil}}
	require.Equal(t, "DELETE FROM `d`.`t` WHERE `id` = 1 AND `s` IS NULL LIMIT 1", UndoSQL(del, types), "FLOAT left out of WHERE")

	upd := &loader.DML{Database: "d", Table: "t", Tp: loader.UpdateDMLType,
		Values: map[string]any{"id": int64(1), "s": "a"}, OldValues: map[string]any{"id": int64(2), "s": "b"}}
	require.Equal(t, "UPDATE `d`.`t` SET `id` = 1, `s` = 'a' WHERE `id` = 2 AND `s` = 'b' LIMIT 1", UndoSQL(upd, types))

	onlyFloat := &loader.DML{Database: "d", Table: "t", Tp: loader.DeleteDMLType, Values: map[string]any{"f": float32(2)}}
	require.Equal(t, "DELETE FROM `d`.`t` WHERE `f` = 2 LIMIT 1", UndoSQL(onlyFloat, types))
	require.Equal(t, "''", SQLLiteral([]byte{}))
	require.Equal(t, "'\\0\\Z\\r'", SQLLiteral("\x00\x1a\r"))
}
