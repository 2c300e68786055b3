package secondarypb

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
	req = protoreflect.Required
)

// TestFieldTables pins every message of SPEC 1.5 field by field.
func TestFieldTables(t *testing.T) {
	pt.CheckFields(t, (&Column{}).ProtoReflect().Descriptor(), []pt.Field{
		pt.F(1, "is_null", protoreflect.BoolKind, opt), pt.F(2, "int64_value", protoreflect.Int64Kind, opt),
		pt.F(3, "uint64_value", protoreflect.Uint64Kind, opt), pt.F(4, "double_value", protoreflect.DoubleKind, opt),
		pt.F(5, "bytes_value", protoreflect.BytesKind, opt), pt.F(6, "string_value", protoreflect.StringKind, opt),
	})
	pt.CheckFields(t, (&ColumnInfo{}).ProtoReflect().Descriptor(), []pt.Field{
		pt.F(1, "name", protoreflect.StringKind, opt), pt.F(2, "mysql_type", protoreflect.StringKind, opt),
		pt.F(3, "is_primary_key", protoreflect.BoolKind, opt), pt.F(4, "flen", protoreflect.Int32Kind, opt),
		pt.F(5, "decimal", protoreflect.Int32Kind, opt),
	})
	pt.CheckFields(t, (&Row{}).ProtoReflect().Descriptor(), []pt.Field{pt.F(1, "columns", protoreflect.MessageKind, rep)})
	pt.CheckFields(t, (&Table{}).ProtoReflect().Descriptor(), []pt.Field{
		pt.F(1, "schema_name", protoreflect.StringKind, opt), pt.F(2, "table_name", protoreflect.StringKind, opt),
		pt.F(3, "column_info", protoreflect.MessageKind, rep), pt.F(4, "mutations", protoreflect.MessageKind, rep),
		pt.F(5, "unique_keys", protoreflect.MessageKind, rep),
	})
	pt.CheckFields(t, (&Key{}).ProtoReflect().Descriptor(), []pt.Field{
		pt.F(1, "name", protoreflect.StringKind, opt), pt.F(2, "column_names", protoreflect.StringKind, rep),
	})
	pt.CheckFields(t, (&TableMutation{}).ProtoReflect().Descriptor(), []pt.Field{
		pt.F(1, "type", protoreflect.EnumKind, req), pt.F(2, "row", protoreflect.MessageKind, req),
		pt.F(3, "change_row", protoreflect.MessageKind, opt),
	})
	pt.CheckFields(t, (&DMLData{}).ProtoReflect().Descriptor(), []pt.Field{pt.F(1, "tables", protoreflect.MessageKind, rep)})
	pt.CheckFields(t, (&DDLData{}).ProtoReflect().Descriptor(), []pt.Field{
		pt.F(1, "schema_name", protoreflect.StringKind, opt), pt.F(2, "table_name", protoreflect.StringKind, opt),
		pt.F(3, "ddl_query", protoreflect.BytesKind, opt),
	})
	pt.CheckFields(t, (&Binlog{}).ProtoReflect().Descriptor(), []pt.Field{
		pt.F(1, "type", protoreflect.EnumKind, opt), pt.F(2, "commit_ts", protoreflect.Int64Kind, opt),
		pt.F(3, "dml_data", protoreflect.MessageKind, opt), pt.F(4, "ddl_data", protoreflect.MessageKind, opt),
		pt.F(5, "time_zone", protoreflect.StringKind, opt),
	})
	require.Equal(t, protoreflect.FullName("slave.binlog.Binlog"), (&Binlog{}).ProtoReflect().Descriptor().FullName())
	require.Equal(t, int32(2), int32(MutationType_Delete))
	require.Equal(t, int32(1), int32(BinlogType_DDL))
}

// TestWireBytes pins the encoding of a small update binlog, hand-computed
// from the field table: type=DML, commit_ts=5, one table with one update.
func TestWireBytes(t *testing.T) {
	b := &Binlog{
		Type:     BinlogType_DML.Enum(),
		CommitTs: proto.Int64(5),
		DmlData: &DMLData{Tables: []*Table{{
			SchemaName: proto.String("d"),
			TableName:  proto.String("t"),
			Mutations: []*TableMutation{{
				Type:      MutationType_Update.Enum(),
				Row:       &Row{Columns: []*Column{{Int64Value: proto.Int64(2)}}},
				ChangeRow: &Row{Columns: []*Column{{IsNull: proto.Bool(true)}}},
			}},
		}}},
	}
	got, err := proto.Marshal(b)
	require.NoError(t, err)
	// 08 00 | 10 05 | 1a 18 { 0a 16 { 0a 01 'd' | 12 01 't' | 22 0e { 08 01 | 12 04 {0a 02 {10 02}} | 1a 04 {0a 02 {08 01}} } } }
	require.Equal(t, "080010051a180a160a0164120174220e080112040a0210021a040a020801", hex.EncodeToString(got))
	var back Binlog
	require.NoError(t, proto.Unmarshal(got, &back))
	require.True(t, proto.Equal(b, &back))

	// A TableMutation without its required fields is rejected, as gogoproto did.
	_, err = proto.Marshal(&TableMutation{})
	require.Error(t, err)
}
