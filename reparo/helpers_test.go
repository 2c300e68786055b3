package reparo

import (
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/binlogfile"
	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// col is a test column: name, MySQL type and value(s).
type col struct {
	name     string
	tp       byte
	old, new codec.Datum
}

func intCol(name string, v int64) col {
	return col{name: name, tp: model.TypeLonglong, old: codec.NewIntDatum(v)}
}

func strCol(name, v string) col {
	return col{name: name, tp: model.TypeVarchar, old: codec.NewBytesDatum([]byte(v))}
}

func updCol(c col, newValue codec.Datum) col { c.new = newValue; return c }

var mysqlTypeNames = map[byte]string{
	model.TypeLonglong: "bigint", model.TypeLong: "int", model.TypeVarchar: "varchar", model.TypeFloat: "float",
	model.TypeDouble: "double", model.TypeBlob: "blob", model.TypeJSON: "json", model.TypeNewDecimal: "decimal",
}

// event builds a pb_binlog event.
func event(t testing.TB, schema, table string, tp filepb.EventType, cols ...col) *filepb.Event {
	t.Helper()
	ev := &filepb.Event{SchemaName: proto.String(schema), TableName: proto.String(table), Tp: tp.Enum()}
	for _, c := range cols {
		v, err := codec.EncodeValue(nil, c.old)
		require.NoError(t, err)
		pc := &filepb.Column{Name: proto.String(c.name), Tp: []byte{c.tp}, MysqlType: proto.String(mysqlTypeNames[c.tp]), Value: v}
		if tp == filepb.EventType_Update {
			nv, err := codec.EncodeValue(nil, c.new)
			require.NoError(t, err)
			pc.ChangedValue = nv
		}
		raw, err := proto.Marshal(pc)
		require.NoError(t, err)
		ev.Row = append(ev.Row, raw)
	}
	return ev
}

func dmlBinlog(ts int64, evs ...*filepb.Event) *filepb.Binlog {
	return &filepb.Binlog{Tp: filepb.BinlogType_DML.Enum(), CommitTs: proto.Int64(ts), DmlData: &filepb.DMLData{Events: evs}}
}

func ddlBinlog(ts int64, query string) *filepb.Binlog {
	return &filepb.Binlog{Tp: filepb.BinlogType_DDL.Enum(), CommitTs: proto.Int64(ts), DdlQuery: []byte(query)}
}

func marshal(t testing.TB, b *filepb.Binlog) []byte {
	t.Helper()
	raw, err := proto.Marshal(b)
	require.NoError(t, err)
	return raw
}

// writeFiles writes binlogs with a Binlogger rotating at maxSize bytes.
func writeFiles(t testing.TB, dir string, maxSize int64, bls ...*filepb.Binlog) {
	t.Helper()
	w, err := binlogfile.OpenBinlogger(dir, binlogfile.Options{MaxFileSize: maxSize})
	require.NoError(t, err)
	for _, b := range bls {
		require.NoError(t, w.WriteTail(marshal(t, b)))
	}
	require.NoError(t, w.Close())
}

// tso makes a TSO from seconds past a fixed instant.
func tso(sec int64) int64 { return (1_700_000_000_000 + sec*1000) << physicalShiftBits }
