package translator

import (
	"errors"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

const testTableID = 100

// fixedGetter serves one table: info now, pinfo at every older version.
type fixedGetter struct {
	info, pinfo *model.TableInfo
	canAppend   bool
}

func (g fixedGetter) TableByID(id int64) (*model.TableInfo, bool) {
	return g.info, id == g.info.ID
}

func (g fixedGetter) SchemaAndTableName(id int64) (string, string, bool) {
	return "db", g.info.Name.O, id == g.info.ID
}

func (g fixedGetter) CanAppendDefaultValue(int64, int64) bool { return g.canAppend }

func (g fixedGetter) TableBySchemaVersion(id, _ int64) (*model.TableInfo, bool) {
	return g.pinfo, g.pinfo != nil && id == g.info.ID
}

func newCol(id int64, name string, tp byte, flag uint) *model.ColumnInfo {
	return &model.ColumnInfo{
		ID: id, Name: model.NewCIStr(name), Offset: int(id - 1), State: model.StatePublic,
		FieldType: model.FieldType{Tp: tp, Flag: flag, Flen: model.UnspecifiedLength,
			Decimal: model.UnspecifiedLength, Charset: model.CollationBin, Collate: model.CollationBin},
	}
}

// testTable: id BIGINT UNSIGNED PRIMARY KEY (the handle), ts TIMESTAMP
// DEFAULT '2024-01-01 00:00:00' (stored in UTC), e ENUM('a','b') NOT NULL,
// n INT, g INT AS (n+1), s SET('x','y').
func testTable() *model.TableInfo {
	id := newCol(1, "id", model.TypeLonglong, model.PriKeyFlag|model.NotNullFlag|model.UnsignedFlag)
	ts := newCol(2, "ts", model.TypeTimestamp, 0)
	ts.OriginDefaultValue = "2024-01-01 00:00:00"
	e := newCol(3, "e", model.TypeEnum, model.NotNullFlag)
	e.Elems = []string{"a", "b"}
	n := newCol(4, "n", model.TypeLong, 0)
	g := newCol(5, "g", model.TypeLong, 0)
	g.GeneratedExprString = "`n` + 1"
	s := newCol(6, "s", model.TypeSet, 0)
	s.Elems = []string{"x", "y"}
	return &model.TableInfo{ID: testTableID, Name: model.NewCIStr("t"), PKIsHandle: true,
		Columns: []*model.ColumnInfo{id, ts, e, n, g, s}, State: model.StatePublic}
}

func insertRow(t *testing.T, handle codec.Datum, ids []int64, vals []codec.Datum, loc *time.Location) []byte {
	t.Helper()
	b, err := codec.EncodeValue(nil, handle)
	require.NoError(t, err)
	b, err = codec.EncodeOldRow(b, ids, vals, loc)
	require.NoError(t, err)
	return b
}

func oldRow(t *testing.T, ids []int64, vals []codec.Datum, loc *time.Location) []byte {
	t.Helper()
	b, err := codec.EncodeOldRow(nil, ids, vals, loc)
	require.NoError(t, err)
	return b
}

func mutation(seq []binlogpb.MutationType, ins, upd, del [][]byte) *binlogpb.PrewriteValue {
	return &binlogpb.PrewriteValue{SchemaVersion: proto.Int64(10), Mutations: []*binlogpb.TableMutation{{
		TableId: proto.Int64(testTableID), InsertedRows: ins, UpdatedRows: upd, DeletedRows: del, Sequence: seq,
	}}}
}

var dmlBinlog = &binlogpb.Binlog{Tp: binlogpb.BinlogType_Prewrite.Enum(), CommitTs: proto.Int64(7)}

func TestInsertUnsignedHandleAndDefaults(t *testing.T) {
	east8 := time.FixedZone("+08:00", 8*3600)
	row := insertRow(t, codec.NewIntDatum(-1), []int64{4}, []codec.Datum{codec.NewIntDatum(7)}, east8)
	pv := mutation([]binlogpb.MutationType{binlogpb.MutationType_Insert}, [][]byte{row}, nil, nil)
	g := fixedGetter{info: testTable()}

	txn, err := TiBinlogToTxn(g, "", "", dmlBinlog, pv, false, east8)
	require.NoError(t, err)
	require.Len(t, txn.DMLs, 1)
	require.Equal(t, &loader.DML{Database: "db", Table: "t", Tp: loader.InsertDMLType, Values: map[string]any{
		"id": uint64(18446744073709551615), // the int64 handle -1 of an UNSIGNED pk
		"ts": "2024-01-01 08:00:00",        // the UTC default shown in +08:00
		"e":  uint64(1),                    // NOT NULL enum without default: its first element
		"n":  int64(7),
		"s":  nil, // generated g is not writable
	}}, txn.DMLs[0])

	sec, err := TiBinlogToSecondaryBinlog(g, "", "", dmlBinlog, pv, time.UTC)
	require.NoError(t, err)
	cols := sec.GetDmlData().GetTables()[0].GetMutations()[0].GetRow().GetColumns()
	require.Len(t, cols, 6)
	require.Equal(t, uint64(18446744073709551615), cols[0].GetUint64Value())
	require.Equal(t, "2024-01-01 00:00:00", cols[1].GetStringValue())
	require.True(t, cols[4].GetIsNull())
}

func TestInsertDefaultFromSchemaVersion(t *testing.T) {
	info := testTable()
	pinfo := testTable()
	info.Columns[3].OriginDefaultValue = "5"  // n's default now ...
	pinfo.Columns[3].OriginDefaultValue = "3" // ... and when the row was written
	row := insertRow(t, codec.NewIntDatum(1), nil, nil, time.UTC)
	pv := mutation([]binlogpb.MutationType{binlogpb.MutationType_Insert}, [][]byte{row}, nil, nil)

	txn, err := TiBinlogToTxn(fixedGetter{info: info, pinfo: pinfo}, "", "", dmlBinlog, pv, false, time.UTC)
	require.NoError(t, err)
	require.Equal(t, int64(3), txn.DMLs[0].Values["n"])
	txn, err = TiBinlogToTxn(fixedGetter{info: info}, "", "", dmlBinlog, pv, false, time.UTC)
	require.NoError(t, err)
	require.Equal(t, int64(5), txn.DMLs[0].Values["n"])
}

func TestTimestampTimeZones(t *testing.T) {
	east8 := time.FixedZone("+08:00", 8*3600)
	ts, err := codec.ParseTime("2024-02-29 13:45:59", model.TypeTimestamp, 0)
	require.NoError(t, err)
	// TiDB stores the session's +08:00 value in UTC.
	row := insertRow(t, codec.NewIntDatum(1), []int64{2}, []codec.Datum{codec.NewTimeDatum(ts)}, east8)
	pv := mutation([]binlogpb.MutationType{binlogpb.MutationType_Insert}, [][]byte{row}, nil, nil)
	g := fixedGetter{info: testTable()}
	for _, c := range []struct {
		loc  *time.Location
		want string
	}{{time.UTC, "2024-02-29 05:45:59"}, {east8, "2024-02-29 13:45:59"}} {
		txn, err := TiBinlogToTxn(g, "", "", dmlBinlog, pv, false, c.loc)
		require.NoError(t, err)
		require.Equal(t, c.want, txn.DMLs[0].Values["ts"])
		pb, err := TiBinlogToPbBinlog(g, "", "", dmlBinlog, pv, c.loc)
		require.NoError(t, err)
		require.Contains(t, string(pb.GetDmlData().GetEvents()[0].GetRow()[1]), c.want)
	}
}

// updateOfIDAndN is an update row written when the table had only id and n.
func updateOfIDAndN(t *testing.T) []byte {
	ids := []int64{1, 4}
	b := oldRow(t, ids, []codec.Datum{codec.NewUintDatum(1), codec.NewIntDatum(1)}, time.UTC)
	return append(b, oldRow(t, ids, []codec.Datum{codec.NewUintDatum(1), codec.NewIntDatum(2)}, time.UTC)...)
}

func TestUpdateMissingColumns(t *testing.T) {
	pv := mutation([]binlogpb.MutationType{binlogpb.MutationType_Update}, nil, [][]byte{updateOfIDAndN(t)}, nil)

	_, err := TiBinlogToTxn(fixedGetter{info: testTable()}, "", "", dmlBinlog, pv, false, time.UTC)
	require.ErrorIs(t, err, ErrCorruptedRow)
	var re *RowError
	require.ErrorAs(t, err, &re)
	require.Equal(t, int64(testTableID), re.TableID)
	require.Equal(t, "update", re.Kind)
	require.Contains(t, err.Error(), "table 100 (db.t) update row 0")

	g := fixedGetter{info: testTable(), canAppend: true}
	txn, err := TiBinlogToTxn(g, "", "", dmlBinlog, pv, false, time.UTC)
	require.NoError(t, err)
	dml := txn.DMLs[0]
	require.Equal(t, loader.UpdateDMLType, dml.Tp)
	require.Equal(t, map[string]any{"id": uint64(1), "ts": "2024-01-01 00:00:00", "e": uint64(1), "n": int64(1), "s": nil},
		dml.OldValues)
	require.Equal(t, int64(2), dml.Values["n"])
	require.Equal(t, "2024-01-01 00:00:00", dml.Values["ts"])

	// The Kafka update fills defaults too (the original wrote NULL, SPEC 12.14).
	sec, err := TiBinlogToSecondaryBinlog(g, "", "", dmlBinlog, pv, time.UTC)
	require.NoError(t, err)
	m := sec.GetDmlData().GetTables()[0].GetMutations()[0]
	require.Equal(t, "2024-01-01 00:00:00", m.GetRow().GetColumns()[1].GetStringValue())
	require.Equal(t, "2024-01-01 00:00:00", m.GetChangeRow().GetColumns()[1].GetStringValue())
	require.Equal(t, int64(2), m.GetRow().GetColumns()[3].GetInt64Value())
	require.Equal(t, int64(1), m.GetChangeRow().GetColumns()[3].GetInt64Value())

	// The file sink lists the writable columns, value old and changed_value new.
	pb, err := TiBinlogToPbBinlog(g, "", "", dmlBinlog, pv, time.UTC)
	require.NoError(t, err)
	require.Len(t, pb.GetDmlData().GetEvents()[0].GetRow(), 5)
}

func TestUpdateOldNewMismatch(t *testing.T) {
	row := oldRow(t, []int64{1, 4}, []codec.Datum{codec.NewUintDatum(1), codec.NewIntDatum(1)}, time.UTC)
	row = append(row, oldRow(t, []int64{1}, []codec.Datum{codec.NewUintDatum(1)}, time.UTC)...)
	pv := mutation([]binlogpb.MutationType{binlogpb.MutationType_Update}, nil, [][]byte{row}, nil)
	_, err := DecodePrewrite(fixedGetter{info: testTable(), canAppend: true}, pv, time.UTC)
	require.ErrorIs(t, err, ErrCorruptedRow)
}

func TestDeleteHoldsRowColumnsOnly(t *testing.T) {
	row := oldRow(t, []int64{1, 4, -1}, []codec.Datum{codec.NewUintDatum(9), codec.NewNullDatum(), codec.NewIntDatum(3)}, time.UTC)
	pv := mutation([]binlogpb.MutationType{binlogpb.MutationType_DeleteRow}, nil, nil, [][]byte{row})
	g := fixedGetter{info: testTable()}
	txn, err := TiBinlogToTxn(g, "", "", dmlBinlog, pv, false, time.UTC)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"id": uint64(9), "n": nil}, txn.DMLs[0].Values)

	sec, err := TiBinlogToSecondaryBinlog(g, "", "", dmlBinlog, pv, time.UTC)
	require.NoError(t, err)
	cols := sec.GetDmlData().GetTables()[0].GetMutations()[0].GetRow().GetColumns()
	require.Len(t, cols, 6)
	require.Equal(t, "2024-01-01 00:00:00", cols[1].GetStringValue())
}

func TestMutationErrors(t *testing.T) {
	row := insertRow(t, codec.NewIntDatum(1), nil, nil, time.UTC)
	g := fixedGetter{info: testTable()}
	ins := binlogpb.MutationType_Insert
	cases := []struct {
		name string
		pv   *binlogpb.PrewriteValue
		want error
	}{
		{"sequence longer than rows", mutation([]binlogpb.MutationType{ins, ins}, [][]byte{row}, nil, nil), ErrBadMutation},
		{"rows without sequence", mutation(nil, [][]byte{row}, nil, nil), ErrBadMutation},
		{"sequence names the wrong list", mutation([]binlogpb.MutationType{binlogpb.MutationType_Update}, [][]byte{row}, nil, nil), ErrBadMutation},
		{"obsolete kind", &binlogpb.PrewriteValue{Mutations: []*binlogpb.TableMutation{{
			TableId: proto.Int64(testTableID), DeletedIds: []int64{1},
			Sequence: []binlogpb.MutationType{binlogpb.MutationType_DeleteID}}}}, ErrBadMutation},
		{"unknown table", &binlogpb.PrewriteValue{Mutations: []*binlogpb.TableMutation{{TableId: proto.Int64(5)}}}, ErrTableNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodePrewrite(g, c.pv, time.UTC)
			require.ErrorIs(t, err, c.want)
		})
	}
}

func TestColumnErrorsNameTheColumn(t *testing.T) {
	g := fixedGetter{info: testTable()}
	// Set s with a bitmask beyond its two elements.
	bad := insertRow(t, codec.NewIntDatum(1), []int64{6}, []codec.Datum{codec.NewUintDatum(8)}, time.UTC)
	// Column n whose varint value is cut.
	cut := insertRow(t, codec.NewIntDatum(1), []int64{4}, []codec.Datum{codec.NewIntDatum(1 << 40)}, time.UTC)
	cut = cut[:len(cut)-2]
	for _, c := range []struct {
		row  []byte
		id   int64
		name string
	}{{bad, 6, "s"}, {cut, 4, "n"}} {
		pv := mutation([]binlogpb.MutationType{binlogpb.MutationType_Insert}, [][]byte{c.row}, nil, nil)
		_, err := DecodePrewrite(g, pv, time.UTC)
		var re *RowError
		require.ErrorAs(t, err, &re)
		require.Equal(t, c.id, re.ColumnID)
		require.Equal(t, c.name, re.Column)
		require.Equal(t, "insert", re.Kind)
		require.Contains(t, err.Error(), "table 100 (db.t) insert row 0 column")
	}
	_, err := DecodePrewrite(g, mutation([]binlogpb.MutationType{binlogpb.MutationType_Insert},
		[][]byte{{0xff}}, nil, nil), time.UTC)
	require.True(t, errors.Is(err, codec.ErrInvalidFlag), "%v", err)
}

// A clustered pk column the row lacks is taken from the handle unless the
// index holds only a prefix of it.
func TestClusteredHandleColumns(t *testing.T) {
	a := newCol(1, "a", model.TypeLong, model.PriKeyFlag|model.NotNullFlag)
	b := newCol(2, "b", model.TypeVarchar, model.PriKeyFlag|model.NotNullFlag)
	b.Charset, b.Collate = model.CharsetUTF8MB4, "utf8mb4_bin"
	info := &model.TableInfo{ID: testTableID, Name: model.NewCIStr("t"), IsCommonHandle: true,
		Columns: []*model.ColumnInfo{a, b},
		Indices: []*model.IndexInfo{{Name: model.NewCIStr("PRIMARY"), Primary: true, Unique: true,
			Columns: []*model.IndexColumn{{Name: a.Name, Offset: 0, Length: model.UnspecifiedLength},
				{Name: b.Name, Offset: 1, Length: 2}}}}}
	b1, err := codec.EncodeValue(nil, codec.NewIntDatum(4), codec.NewBytesDatum([]byte("ab")))
	require.NoError(t, err)
	row := append(b1, codec.NilFlag)
	pv := mutation([]binlogpb.MutationType{binlogpb.MutationType_Insert}, [][]byte{row}, nil, nil)
	txn, err := TiBinlogToTxn(fixedGetter{info: info}, "", "", dmlBinlog, pv, false, time.UTC)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"a": int64(4), "b": ""}, txn.DMLs[0].Values)

	info.Indices[0].Columns[1].Length = model.UnspecifiedLength
	txn, err = TiBinlogToTxn(fixedGetter{info: info}, "", "", dmlBinlog, pv, false, time.UTC)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"a": int64(4), "b": "ab"}, txn.DMLs[0].Values)
}

func TestDDLTranslation(t *testing.T) {
	b := &binlogpb.Binlog{CommitTs: proto.Int64(9), DdlJobId: proto.Int64(3), DdlQuery: []byte("ALTER TABLE `t` ADD COLUMN `c` INT;")}
	txn, err := TiBinlogToTxn(nil, "db", "t", b, nil, true, time.UTC)
	require.NoError(t, err)
	require.Equal(t, &loader.DDL{Database: "db", Table: "t", SQL: "ALTER TABLE `t` ADD COLUMN `c` INT;", ShouldSkip: true}, txn.DDL)

	pb, err := TiBinlogToPbBinlog(nil, "d`b", "t", b, nil, time.UTC)
	require.NoError(t, err)
	require.Equal(t, "use `d``b`; ALTER TABLE `t` ADD COLUMN `c` INT;;", string(pb.GetDdlQuery()))

	sec, err := TiBinlogToSecondaryBinlog(nil, "db", "t", b, nil, time.UTC)
	require.NoError(t, err)
	require.Equal(t, "t", sec.GetDdlData().GetTableName())
	require.Equal(t, b.GetDdlQuery(), sec.GetDdlData().GetDdlQuery())
}

func TestIsCreateDatabase(t *testing.T) {
	for q, want := range map[string]bool{
		"CREATE DATABASE `d`;":                 true,
		"create schema if not exists d":        true,
		"  /* c */ -- x\n CREATE\tDATABASE d":  true,
		"# x\ncreate database d":               true,
		"CREATE TABLE d.t (a int)":             false,
		"DROP DATABASE d":                      false,
		"/*T! CREATE DATABASE d */":            false,
		"CREATE DATABASEX d":                   false,
		"/* unterminated":                      false,
		"":                                     false,
		"CREATE /* c */ DATABASE d":            true,
		"CREATE OR REPLACE VIEW v AS SELECT 1": false,
	} {
		require.Equal(t, want, isCreateDatabase(q), q)
	}
}

// Rows in TiDB's format v2 decode too; a column the row marks NULL stays
// NULL (it is not missing, so it gets no default).
func TestInsertRowFormatV2(t *testing.T) {
	h, err := codec.EncodeValue(nil, codec.NewIntDatum(3))
	require.NoError(t, err)
	// 128, flags, 1 not-null and 1 null column, ids 4 then 2, end offset 1, value 7.
	row := append(h, codec.RowFormatV2, 0, 1, 0, 1, 0, 4, 2, 1, 0, 7)
	pv := mutation([]binlogpb.MutationType{binlogpb.MutationType_Insert}, [][]byte{row}, nil, nil)
	txn, err := TiBinlogToTxn(fixedGetter{info: testTable()}, "", "", dmlBinlog, pv, false, time.UTC)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"id": uint64(3), "ts": nil, "e": uint64(1), "n": int64(7), "s": nil},
		txn.DMLs[0].Values)

	pv = mutation([]binlogpb.MutationType{binlogpb.MutationType_DeleteRow}, nil, nil, [][]byte{row[len(h):]})
	txn, err = TiBinlogToTxn(fixedGetter{info: testTable()}, "", "", dmlBinlog, pv, false, time.UTC)
	require.NoError(t, err)
	require.Equal(t, map[string]any{"ts": nil, "n": int64(7)}, txn.DMLs[0].Values)
}
