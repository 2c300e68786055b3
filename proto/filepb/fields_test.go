package filepb

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	pt "github.com/openbinlog/tidb-binlog/proto/internal/prototest"
)

const (
	opt = protoreflect.Optional
	rep = protoreflect.Repeated
)

// TestFieldTables pins every message of SPEC 1.6 field by field.
func TestFieldTables(t *testing.T) {
	pt.CheckFields(t, (&Column{}).ProtoReflect().Descriptor(), []pt.Field{
		pt.F(1, "name", protoreflect.StringKind, opt), pt.F(2, "tp", protoreflect.BytesKind, opt),
		pt.F(3, "mysql_type", protoreflect.StringKind, opt), pt.F(4, "value", protoreflect.BytesKind, opt),
		pt.F(5, "changed_value", protoreflect.BytesKind, opt),
	})
	pt.CheckFields(t, (&Event{}).ProtoReflect().Descriptor(), []pt.Field{
		pt.F(1, "schema_name", protoreflect.StringKind, opt), pt.F(2, "table_name", protoreflect.StringKind, opt),
		pt.F(3, "tp", protoreflect.EnumKind, opt), pt.F(4, "row", protoreflect.BytesKind, rep),
	})
	pt.CheckFields(t, (&DMLData{}).ProtoReflect().Descriptor(), []pt.Field{pt.F(1, "events", protoreflect.MessageKind, rep)})
	pt.CheckFields(t, (&Binlog{}).ProtoReflect().Descriptor(), []pt.Field{
		pt.F(1, "tp", protoreflect.EnumKind, opt), pt.F(2, "commit_ts", protoreflect.Int64Kind, opt),
		pt.F(3, "dml_data", protoreflect.MessageKind, opt), pt.F(4, "ddl_query", protoreflect.BytesKind, opt),
	})
	require.Equal(t, protoreflect.FullName("pb_binlog.column"), (&Column{}).ProtoReflect().Descriptor().FullName())
}

// TestWireBytes pins the encoding of a DDL binlog and a column, hand-computed
// from the field table.
func TestWireBytes(t *testing.T) {
	b := &Binlog{Tp: BinlogType_DDL.Enum(), CommitTs: proto.Int64(7), DdlQuery: []byte("use `d`; drop table t;")}
	got, err := proto.Marshal(b)
	require.NoError(t, err)
	require.Equal(t, "08011007221675736520606460"+"3b2064726f70207461626c6520743b", hex.EncodeToString(got))

	c := &Column{Name: proto.String("id"), Tp: []byte{3}, MysqlType: proto.String("int"), Value: []byte{8, 2}}
	got, err = proto.Marshal(c)
	require.NoError(t, err)
	require.Equal(t, "0a0269641201031a03696e7422020802", hex.EncodeToString(got))
}
