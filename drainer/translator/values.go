package translator

import (
	"strconv"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
	"google.golang.org/protobuf/proto"
)

// formatData is the value the MySQL and file sinks carry for a column
// (SPEC 2 formatData): DATE, DATETIME, TIMESTAMP, TIME, DECIMAL and JSON as
// their text; ENUM and SET as their uint64 index or bitmask; BIT as a uint64.
// Every other value is unchanged.
func formatData(d codec.Datum, ft *model.FieldType) codec.Datum {
	if d.IsNull() {
		return d
	}
	switch ft.Tp {
	case model.TypeDate, model.TypeDatetime, model.TypeNewDate, model.TypeTimestamp,
		model.TypeDuration, model.TypeNewDecimal, model.TypeJSON:
		return codec.NewStringDatum(d.String(), "")
	case model.TypeEnum, model.TypeSet:
		return codec.NewUintDatum(d.GetUint64())
	case model.TypeBit:
		v, err := d.GetBinaryLiteral().ToUint64()
		if err != nil { // longer than 8 bytes: cannot come from a BIT(64) column
			return d
		}
		return codec.NewUintDatum(v)
	}
	return d
}

// goValue is the Go value of a datum as the loader takes it: nil, int64,
// uint64, float32, float64, string or []byte; other kinds as their text.
func goValue(d codec.Datum) any {
	switch d.Kind() {
	case codec.KindNull:
		return nil
	case codec.KindInt64:
		return d.GetInt64()
	case codec.KindUint64, codec.KindMysqlEnum, codec.KindMysqlSet:
		return d.GetUint64()
	case codec.KindFloat32:
		return d.GetFloat32()
	case codec.KindFloat64:
		return d.GetFloat64()
	case codec.KindString:
		return d.GetString()
	case codec.KindBytes, codec.KindMysqlBit, codec.KindBinaryLiteral:
		return d.GetBytes()
	}
	return d.String()
}

// sqlValue is goValue(formatData(d)): what TiBinlogToTxn puts in a DML,
// without the intermediate datum.
func sqlValue(d codec.Datum, ft *model.FieldType) any {
	if d.IsNull() {
		return nil
	}
	switch ft.Tp {
	case model.TypeDate, model.TypeDatetime, model.TypeNewDate, model.TypeTimestamp,
		model.TypeDuration, model.TypeNewDecimal, model.TypeJSON:
		return d.String()
	case model.TypeEnum, model.TypeSet:
		return d.GetUint64()
	}
	return goValue(formatData(d, ft))
}

// secondaryColumn maps a value to a secondary-binlog column the way the
// original drainer's DatumToColumn does (SPEC 1.5), keyed by the lower-case
// type name: times and YEAR as text; TINYINT, SMALLINT, INT and BIGINT as
// int64 or uint64 by the UNSIGNED flag; FLOAT and DOUBLE as double; DECIMAL
// as text; BIT, BLOBs and BINARYs as bytes; text types as string; ENUM and SET
// as uint64; JSON as bytes of its text; anything else (MEDIUMINT, GEOMETRY,
// ...) as the value's text, like the original.
func secondaryColumn(col *model.ColumnInfo, d codec.Datum) *secondarypb.Column {
	c := &secondarypb.Column{}
	if d.IsNull() {
		c.IsNull = proto.Bool(true)
		return c
	}
	switch model.TypeToStr(col.Tp, col.Charset) {
	case "int", "bigint", "smallint", "tinyint":
		if col.IsUnsigned() {
			c.Uint64Value = proto.Uint64(d.GetUint64())
		} else {
			c.Int64Value = proto.Int64(d.GetInt64())
		}
	case "float", "double":
		c.DoubleValue = proto.Float64(d.GetFloat64())
	case "bit", "blob", "longblob", "mediumblob", "binary", "tinyblob", "varbinary":
		c.BytesValue = bytesOrEmpty(d.GetBytes())
	case "text", "longtext", "mediumtext", "char", "tinytext", "varchar", "var_string":
		c.StringValue = proto.String(d.GetString())
	case "enum", "set":
		c.Uint64Value = proto.Uint64(d.GetUint64())
	case "json":
		c.BytesValue = []byte(d.String())
	default: // date, datetime, time, timestamp, year, decimal and unknown types
		c.StringValue = proto.String(datumText(d))
	}
	return c
}

// datumText prints a value like fmt's %v of TiDB's Datum.GetValue.
func datumText(d codec.Datum) string {
	switch d.Kind() {
	case codec.KindFloat32:
		return strconv.FormatFloat(float64(d.GetFloat32()), 'g', -1, 32)
	case codec.KindFloat64:
		return strconv.FormatFloat(d.GetFloat64(), 'g', -1, 64)
	}
	return d.String()
}

// bytesOrEmpty keeps an empty value present on the wire (a nil []byte would
// mark the field absent).
func bytesOrEmpty(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
