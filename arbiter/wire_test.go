package arbiter

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/kafkareader"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

// requireSameTxn: the decoder gives what proto.Unmarshal and
// loader.SecondaryBinlogToTxn give (or fails where they fail); fast says
// whether the fast path must have taken it.
func requireSameTxn(t testing.TB, fast bool, values ...[]byte) {
	t.Helper()
	raw := make([]kafkareader.RawValue, len(values))
	for i, v := range values {
		raw[i] = kafkareader.RawValue{Value: v, Partition: int32(i), Offset: int64(i)}
	}
	want, wantErr := slowTxn(raw)
	d := newDecoder()
	if fast {
		got, err := d.fast(raw)
		require.NoError(t, err)
		require.NoError(t, wantErr)
		require.Equal(t, want, got)
	}
	got, err := d.txn(raw)
	require.Equal(t, wantErr, err)
	require.Equal(t, want, got)
}

func randColumn(r *rand.Rand) (*secondarypb.Column, string) {
	types := []string{"int", "bigint", "varchar", "float", "double", "json", "bit", "blob", "decimal"}
	tp := types[r.IntN(len(types))]
	c := &secondarypb.Column{}
	switch r.IntN(8) {
	case 0:
		c.IsNull = proto.Bool(true)
	case 1:
		c.Int64Value = proto.Int64(r.Int64() - math.MaxInt64/2)
	case 2:
		c.Uint64Value = proto.Uint64(r.Uint64())
	case 3:
		c.DoubleValue = proto.Float64(r.NormFloat64())
	case 4:
		c.BytesValue = make([]byte, r.IntN(12))
		for i := range c.BytesValue {
			c.BytesValue[i] = byte(r.IntN(3))
		}
	case 5:
		c.IsNull, c.StringValue = proto.Bool(false), proto.String("")
	default:
		c.StringValue = proto.String(string(rune('a' + r.IntN(26))))
	}
	return c, tp
}

func randTable(r *rand.Rand) *secondarypb.Table {
	n := 1 + r.IntN(5)
	tbl := &secondarypb.Table{SchemaName: proto.String("s"), TableName: proto.String([]string{"t", "u"}[r.IntN(2)])}
	for i := range n {
		_, tp := randColumn(r)
		name := string(rune('a' + i))
		if r.IntN(8) == 0 {
			name = "a" // a repeated name: the later column wins
		}
		tbl.ColumnInfo = append(tbl.ColumnInfo, &secondarypb.ColumnInfo{Name: proto.String(name),
			MysqlType: proto.String(tp), IsPrimaryKey: proto.Bool(i == 0)})
	}
	row := func() *secondarypb.Row {
		out := &secondarypb.Row{}
		for range r.IntN(n + 1) {
			c, _ := randColumn(r)
			out.Columns = append(out.Columns, c)
		}
		return out
	}
	for range r.IntN(4) {
		m := &secondarypb.TableMutation{Type: secondarypb.MutationType(r.IntN(3)).Enum(), Row: row()}
		if m.GetType() == secondarypb.MutationType_Update {
			m.ChangeRow = row()
		}
		tbl.Mutations = append(tbl.Mutations, m)
	}
	if r.IntN(2) == 0 {
		tbl.UniqueKeys = []*secondarypb.Key{{Name: proto.String("PRIMARY"), ColumnNames: []string{"a"}}}
	}
	return tbl
}

// fastOK: no value of a bit column beyond 64 bits (which fails).
func fastOK(b *secondarypb.Binlog) bool {
	_, err := loader.SecondaryBinlogToTxn(b)
	return err == nil
}

func TestDecoderMatchesProtoRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for i := range 1000 {
		b := &secondarypb.Binlog{Type: secondarypb.BinlogType_DML.Enum(), CommitTs: proto.Int64(int64(i + 1))}
		if r.IntN(10) > 0 {
			b.DmlData = &secondarypb.DMLData{}
			for range r.IntN(3) {
				b.DmlData.Tables = append(b.DmlData.Tables, randTable(r))
			}
		}
		v := marshal(t, b)
		requireSameTxn(t, fastOK(b), v)
		// Joined with the same commit ts of another partition.
		if b.DmlData != nil && r.IntN(4) == 0 {
			o := &secondarypb.Binlog{Type: b.Type, CommitTs: b.CommitTs, DmlData: &secondarypb.DMLData{
				Tables: []*secondarypb.Table{randTable(r)}}}
			requireSameTxn(t, false, v, marshal(t, o))
		}
	}
}

func TestDecoderSysbenchFast(t *testing.T) {
	for _, v := range benchBinlogs("s", 50) {
		requireSameTxn(t, true, v)
	}
}

func TestDecoderGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "pkg", "kafkareader", "testdata", "golden.json"))
	require.NoError(t, err)
	var g struct {
		DML, DDL []struct {
			KafkaHex string `json:"kafka_hex"`
		}
	}
	require.NoError(t, json.Unmarshal(data, &g))
	require.NotEmpty(t, g.DML)
	require.NotEmpty(t, g.DDL)
	for _, m := range g.DML {
		v, err := hex.DecodeString(m.KafkaHex)
		require.NoError(t, err)
		requireSameTxn(t, true, v)
	}
	for _, m := range g.DDL {
		v, err := hex.DecodeString(m.KafkaHex)
		require.NoError(t, err)
		requireSameTxn(t, false, v)
	}
}

// wire builds a message field by field.
type wire []byte

func (w wire) varint(num protowire.Number, v uint64) wire {
	return protowire.AppendVarint(protowire.AppendTag(w, num, protowire.VarintType), v)
}

func (w wire) bytes(num protowire.Number, b []byte) wire {
	return protowire.AppendBytes(protowire.AppendTag(w, num, protowire.BytesType), b)
}

func (w wire) fixed64(num protowire.Number, v uint64) wire {
	return protowire.AppendFixed64(protowire.AppendTag(w, num, protowire.Fixed64Type), v)
}

// TestDecoderWireShapes: shapes no writer produces but proto.Unmarshal
// reads (fields out of order, repeated, of another wire type, unknown),
// and malformed ones.
func TestDecoderWireShapes(t *testing.T) {
	info := func(name, tp string) []byte { return wire{}.bytes(infoName, []byte(name)).bytes(infoType, []byte(tp)) }
	col := wire{}.varint(colInt64, 5).bytes(colStr, []byte("x")).varint(colInt64, 6)
	row := wire{}.bytes(rowColumns, col).bytes(rowColumns, wire{}.fixed64(colDouble, math.Float64bits(1.5)))
	ins := wire{}.bytes(mutRow, row).varint(mutType, 0)
	tbl := wire{}.bytes(tableMutations, ins).bytes(tableSchema, []byte("s")).bytes(tableColumns, info("a", "int")).
		bytes(tableColumns, info("b", "float")).bytes(tableName, []byte("t")).varint(tableName, 3).bytes(99, []byte{0xff})
	dml := wire{}.bytes(dmlTables, tbl)
	bl := func(extra ...func(wire) wire) []byte {
		w := wire{}.varint(binlogCommitTS, 9).bytes(binlogDMLData, dml).varint(binlogType, 0)
		for _, e := range extra {
			w = e(w)
		}
		return w
	}
	requireSameTxn(t, true, bl())
	requireSameTxn(t, true, bl(func(w wire) wire { return w.bytes(binlogDMLData, dml) }))    // merged dml_data
	requireSameTxn(t, true, bl(func(w wire) wire { return w.varint(binlogType, 1<<32) }))    // int32 of the enum
	requireSameTxn(t, true, bl(func(w wire) wire { return w.bytes(binlogType, []byte{1}) })) // other wire type: unknown
	requireSameTxn(t, true, bl(func(w wire) wire { return w.bytes(5, []byte("UTC")) }))      // time zone
	requireSameTxn(t, false, bl(func(w wire) wire { return w.varint(binlogType, 1) }))       // DDL without ddl_data
	requireSameTxn(t, false, bl(func(w wire) wire { return w.varint(binlogCommitTS, 0) }))   // no commit ts
	requireSameTxn(t, false, bl(func(w wire) wire { return w.bytes(binlogDDLData, nil) }))   // DML with ddl_data
	requireSameTxn(t, false, bl(func(w wire) wire { return append(w, 0x0a, 0x05, 0x01) }))   // truncated
	requireSameTxn(t, false, bl(func(w wire) wire { return protowire.AppendTag(w, 7, protowire.EndGroupType) }))
	twice := wire{}.bytes(dmlTables, wire{}.bytes(tableColumns, info("a", "int")).bytes(tableMutations, ins.bytes(mutRow, row)))
	requireSameTxn(t, false, bl(func(w wire) wire { return w.bytes(binlogDMLData, twice) })) // row merged: slow path
	for _, m := range [][]byte{
		wire{}.bytes(mutRow, row),                    // no type
		wire{}.varint(mutType, 0),                    // no row
		wire{}.varint(mutType, 1).bytes(mutRow, row), // update without change_row
		wire{}.varint(mutType, 7).bytes(mutRow, row), // unknown type
		wire{}.varint(mutType, 0).bytes(mutRow, row).bytes(mutChangeRow, row),
		wire{}.varint(mutType, 0).bytes(mutRow, wire{}.bytes(rowColumns, col).bytes(rowColumns, col).bytes(rowColumns, col)),
		wire{}.varint(mutType, 2).bytes(mutRow, wire{}.bytes(rowColumns, wire{}.bytes(colBytes, []byte{1, 0, 0, 0, 0, 0, 0, 0, 0}))),
		wire{}.varint(mutType, 0).bytes(mutRow, wire{}.bytes(rowColumns, wire{}.bytes(colNull, nil))),
		wire{}.varint(mutType, 0).bytes(mutRow, wire{}.bytes(rowColumns, wire{}.varint(colNull, 2).varint(colInt64, 1))),
	} {
		t1 := wire{}.bytes(tableColumns, info("a", "bit")).bytes(tableColumns, info("b", "json")).bytes(tableMutations, m)
		requireSameTxn(t, false, wire{}.varint(binlogType, 0).varint(binlogCommitTS, 3).bytes(binlogDMLData, wire{}.bytes(dmlTables, t1)))
	}
}

// FuzzDecoder: on any bytes the decoder agrees with the protobuf path.
func FuzzDecoder(f *testing.F) {
	for _, v := range benchBinlogs("s", 2) {
		f.Add(v)
	}
	f.Add([]byte("not a binlog"))
	f.Fuzz(func(t *testing.T, data []byte) {
		requireSameTxn(t, false, data)
	})
}

// TestDecoderLargeMessage: above maxShared each text value is a string of
// its own; the result is the same.
func TestDecoderLargeMessage(t *testing.T) {
	big := string(make([]byte, maxShared))
	tbl := &secondarypb.Table{SchemaName: proto.String("s"), TableName: proto.String("t"),
		ColumnInfo: []*secondarypb.ColumnInfo{{Name: proto.String("a"), MysqlType: proto.String("text")},
			{Name: proto.String("b"), MysqlType: proto.String("json")}},
		Mutations: []*secondarypb.TableMutation{{Type: secondarypb.MutationType_Insert.Enum(), Row: &secondarypb.Row{
			Columns: []*secondarypb.Column{{StringValue: proto.String(big)}, {BytesValue: []byte(`{"k":1}`)}}}}}}
	v := marshal(t, &secondarypb.Binlog{Type: secondarypb.BinlogType_DML.Enum(), CommitTs: proto.Int64(1),
		DmlData: &secondarypb.DMLData{Tables: []*secondarypb.Table{tbl}}})
	require.Greater(t, len(v), maxShared)
	requireSameTxn(t, true, v)
}
