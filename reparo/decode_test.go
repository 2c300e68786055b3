package reparo

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

func TestParseColumnMatchesProto(t *testing.T) {
	pc := &filepb.Column{Name: proto.String("c"), Tp: []byte{model.TypeVarchar}, MysqlType: proto.String("varchar"),
		Value: []byte{2, 2, 'a'}, ChangedValue: []byte{0}}
	raw, err := proto.Marshal(pc)
	require.NoError(t, err)
	raw = protowire.AppendTag(raw, 9, protowire.VarintType) // an unknown field is skipped
	raw = protowire.AppendVarint(raw, 5)
	c, err := DecodeColumn(raw, true)
	require.NoError(t, err)
	require.Equal(t, "c", c.Name)
	require.Equal(t, "varchar", c.MySQLType)
	require.Equal(t, model.TypeVarchar, c.Tp)
	require.Equal(t, "a", SQLValue(c.Old, c.Tp))
	require.True(t, c.New.IsNull())

	_, err = DecodeColumn([]byte{0x0a, 0x05, 'a'}, false)
	require.ErrorIs(t, err, ErrBadColumn)
	_, err = DecodeColumn([]byte{0x22, 0x01, 0xff}, false)
	require.ErrorIs(t, err, ErrBadColumn, "bad datum flag")
}

func TestSQLValueKinds(t *testing.T) {
	dec, err := codec.ParseDecimal("-1.50")
	require.NoError(t, err)
	cases := []struct {
		d    codec.Datum
		tp   byte
		want any
	}{
		{codec.NewNullDatum(), model.TypeLong, nil},
		{codec.NewIntDatum(-1), model.TypeLong, int64(-1)},
		{codec.NewUintDatum(1 << 63), model.TypeLonglong, uint64(1 << 63)},
		{codec.NewFloat64Datum(1.5), model.TypeFloat, float32(1.5)},
		{codec.NewFloat64Datum(1.5), model.TypeDouble, 1.5},
		{codec.NewBytesDatum([]byte("x")), model.TypeBlob, []byte("x")},
		{codec.NewBytesDatum([]byte("2024-01-01")), model.TypeDate, "2024-01-01"},
		{codec.NewDecimalDatum(dec), model.TypeNewDecimal, "-1.50"},
		{codec.NewUintDatum(3), model.TypeEnum, uint64(3)},
		{codec.NewUintDatum(5), model.TypeSet, uint64(5)},
		{codec.NewBytesDatum([]byte{1, 2}), model.TypeBit, uint64(258)},
		{codec.NewIntDatum(2024), model.TypeYear, int64(2024)},
	}
	for _, c := range cases {
		require.Equal(t, c.want, SQLValue(c.d, c.tp), "%v %d", c.d, c.tp)
	}
}

func TestBinlogToTxnErrors(t *testing.T) {
	_, err := BinlogToTxn(&filepb.Binlog{Tp: filepb.BinlogType(7).Enum()})
	require.ErrorIs(t, err, ErrUnknownType)
	ev := event(t, "d", "t", filepb.EventType_Insert, intCol("a", 1))
	ev.Tp = filepb.EventType(9).Enum()
	_, err = BinlogToTxn(dmlBinlog(1, ev))
	require.ErrorIs(t, err, ErrUnknownType)
	txn, err := BinlogToTxn(dmlBinlog(1, event(t, "d", "t", filepb.EventType_Update, updCol(intCol("a", 1), codec.NewIntDatum(2)))))
	require.NoError(t, err)
	require.Equal(t, &loader.DML{Database: "d", Table: "t", Tp: loader.UpdateDMLType,
		Values: map[string]any{"a": int64(2)}, OldValues: map[string]any{"a": int64(1)}}, txn.DMLs[0])
}

func FuzzDecodeColumn(f *testing.F) {
	f.Add([]byte{0x0a, 0x01, 'a', 0x12, 0x01, 0x0f, 0x22, 0x03, 2, 2, 'a'}, true)
	f.Add([]byte{0x22, 0x01, 0x00}, false)
	f.Fuzz(func(t *testing.T, raw []byte, changed bool) {
		c, err := DecodeColumn(raw, changed)
		if err != nil {
			return
		}
		_ = PrintValue(c.Old, c.Tp)
		_ = SQLValue(c.New, c.Tp)
	})
}

func TestTimestampsGoToUTC(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	require.Equal(t, "2024-02-29 05:45:59.123", TimestampToUTC("2024-02-29 13:45:59.123", cst))
	require.Equal(t, "2023-12-31 16:00:00", TimestampToUTC("2024-01-01 00:00:00", cst))
	require.Equal(t, "0000-00-00 00:00:00.000", TimestampToUTC("0000-00-00 00:00:00.000", cst))
	require.Equal(t, "garbage", TimestampToUTC("garbage", cst))

	ts := col{name: "ts", tp: model.TypeTimestamp, old: codec.NewBytesDatum([]byte("2024-02-29 13:45:59.123"))}
	dt := col{name: "dt", tp: model.TypeDatetime, old: codec.NewBytesDatum([]byte("2024-02-29 13:45:59.123"))}
	tr := newTranslator()
	tr.loc = cst
	dml, err := tr.eventToDML(event(t, "d", "t", filepb.EventType_Insert, ts, dt))
	require.NoError(t, err)
	require.Equal(t, map[string]any{"ts": "2024-02-29 05:45:59.123", "dt": "2024-02-29 13:45:59.123"}, dml.Values,
		"TIMESTAMP in UTC, DATETIME unchanged")
}

// TestTranslatorColumnNamesByPosition: the names remembered by position
// from the last event are only reused when they are the same.
func TestTranslatorColumnNamesByPosition(t *testing.T) {
	tr := newTranslator()
	b := dmlBinlog(tso(1),
		event(t, "db", "t1", filepb.EventType_Insert, intCol("a", 1), strCol("b", "x")),
		event(t, "db", "t2", filepb.EventType_Insert, strCol("a", "y"), intCol("c", 2), intCol("d", 3)),
		event(t, "db", "t1", filepb.EventType_Insert, intCol("a", 4), strCol("b", "z")))
	for range 2 {
		txn, err := tr.binlogToTxn(b)
		require.NoError(t, err)
		require.Equal(t, map[string]any{"a": int64(1), "b": "x"}, txn.DMLs[0].Values)
		require.Equal(t, map[string]any{"a": "y", "c": int64(2), "d": int64(3)}, txn.DMLs[1].Values)
		require.Equal(t, map[string]any{"a": int64(4), "b": "z"}, txn.DMLs[2].Values)
		require.Equal(t, "t2", txn.DMLs[1].Table)
	}
	c, err := tr.decodeColumnAt(1, mustColumn(t, "b", model.TypeLonglong, "bigint"), false)
	require.NoError(t, err)
	require.Equal(t, "bigint", c.MySQLType, "same name, other type")
}

func mustColumn(t *testing.T, name string, tp byte, mysqlType string) []byte {
	t.Helper()
	raw, err := proto.Marshal(&filepb.Column{Name: proto.String(name), Tp: []byte{tp}, MysqlType: proto.String(mysqlType)})
	require.NoError(t, err)
	return raw
}
