package codec

import (
	"math"
	"strconv"
	"time"
)

// Kind is the kind of value a Datum holds; the numbers are TiDB's.
type Kind byte

// Datum kinds.
const (
	KindNull          Kind = 0
	KindInt64         Kind = 1
	KindUint64        Kind = 2
	KindFloat32       Kind = 3
	KindFloat64       Kind = 4
	KindString        Kind = 5 // text with a collation
	KindBytes         Kind = 6
	KindBinaryLiteral Kind = 7
	KindMysqlDecimal  Kind = 8
	KindMysqlDuration Kind = 9
	KindMysqlEnum     Kind = 10
	KindMysqlBit      Kind = 11
	KindMysqlSet      Kind = 12
	KindMysqlTime     Kind = 13
	KindMinNotNull    Kind = 15
	KindMaxValue      Kind = 16
	KindMysqlJSON     Kind = 18
)

var kindNames = map[Kind]string{
	KindNull: "null", KindInt64: "bigint", KindUint64: "unsigned bigint", KindFloat32: "float",
	KindFloat64: "double", KindString: "char", KindBytes: "bytes", KindBinaryLiteral: "bit/hex literal",
	KindMysqlDecimal: "decimal", KindMysqlDuration: "time", KindMysqlEnum: "enum", KindMysqlBit: "bit",
	KindMysqlSet: "set", KindMysqlTime: "datetime", KindMinNotNull: "min_not_null",
	KindMaxValue: "max_value", KindMysqlJSON: "json",
}

// String returns TiDB's name of the kind ("bigint", "unsigned bigint", ...).
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Datum is one SQL value: a kind and its payload. The zero Datum is NULL.
// Datums are small values, passed and stored by value; byte payloads decoded
// from a buffer alias that buffer.
type Datum struct {
	kind   Kind
	tp     byte  // KindMysqlTime: time type; KindMysqlJSON: type code
	fsp    int8  // KindMysqlTime, KindMysqlDuration
	frac   int16 // KindMysqlDecimal: column frac (0 with length 0: unset)
	length int32 // KindMysqlDecimal: column precision, 0 when unset
	i      uint64
	b      []byte
	coll   string // KindString: collation; enum/set: name
	dec    *Decimal
}

// NewNullDatum returns NULL.
func NewNullDatum() Datum { return Datum{} }

// NewIntDatum returns a signed integer.
func NewIntDatum(v int64) Datum { return Datum{kind: KindInt64, i: uint64(v)} }

// NewUintDatum returns an unsigned integer.
func NewUintDatum(v uint64) Datum { return Datum{kind: KindUint64, i: v} }

// NewFloat32Datum returns a FLOAT value.
func NewFloat32Datum(v float32) Datum {
	return Datum{kind: KindFloat32, i: math.Float64bits(float64(v))}
}

// NewFloat64Datum returns a DOUBLE value.
func NewFloat64Datum(v float64) Datum { return Datum{kind: KindFloat64, i: math.Float64bits(v)} }

// NewStringDatum returns text in the given collation ("" means binary).
func NewStringDatum(s string, collation string) Datum {
	return Datum{kind: KindString, b: []byte(s), coll: collation}
}

// NewStringDatumFromBytes is NewStringDatum without copying b.
func NewStringDatumFromBytes(b []byte, collation string) Datum {
	return Datum{kind: KindString, b: b, coll: collation}
}

// NewBytesDatum returns a byte string (binary data, no collation).
func NewBytesDatum(b []byte) Datum { return Datum{kind: KindBytes, b: b} }

// NewDecimalDatum returns a decimal encoded with its own precision and frac.
func NewDecimalDatum(d Decimal) Datum { return Datum{kind: KindMysqlDecimal, dec: &d} }

// NewDecimalDatumWithLength returns a decimal of a DECIMAL(length, frac)
// column: it is encoded with that precision and frac, as TiDB does for column
// values.
func NewDecimalDatumWithLength(d Decimal, length, frac int) Datum {
	return Datum{kind: KindMysqlDecimal, dec: &d, length: int32(length), frac: int16(frac)}
}

// NewDurationDatum returns a TIME value.
func NewDurationDatum(d Duration) Datum {
	return Datum{kind: KindMysqlDuration, i: uint64(d.Duration), fsp: int8(d.Fsp)}
}

// NewTimeDatum returns a DATE, DATETIME or TIMESTAMP value. A Time with a
// field out of range (see Time.ToPackedUint) becomes the zero time.
func NewTimeDatum(t Time) Datum {
	packed, err := t.ToPackedUint()
	if err != nil {
		packed = 0
	}
	return Datum{kind: KindMysqlTime, i: packed, tp: t.Type, fsp: int8(t.Fsp)}
}

// NewEnumDatum returns an ENUM value.
func NewEnumDatum(e Enum) Datum { return Datum{kind: KindMysqlEnum, i: e.Value, coll: e.Name} }

// NewSetDatum returns a SET value.
func NewSetDatum(s Set) Datum { return Datum{kind: KindMysqlSet, i: s.Value, coll: s.Name} }

// NewBitDatum returns a BIT column value.
func NewBitDatum(b BinaryLiteral) Datum { return Datum{kind: KindMysqlBit, b: b} }

// NewBinaryLiteralDatum returns a hex or bit literal.
func NewBinaryLiteralDatum(b BinaryLiteral) Datum { return Datum{kind: KindBinaryLiteral, b: b} }

// NewJSONDatum returns a JSON value.
func NewJSONDatum(j BinaryJSON) Datum { return Datum{kind: KindMysqlJSON, tp: j.TypeCode, b: j.Value} }

// NewMaxValueDatum returns the value greater than every other (keys only).
func NewMaxValueDatum() Datum { return Datum{kind: KindMaxValue} }

// NewMinNotNullDatum returns the value smaller than every non-NULL value.
func NewMinNotNullDatum() Datum { return Datum{kind: KindMinNotNull} }

// Kind returns the kind of d.
func (d Datum) Kind() Kind { return d.kind }

// IsNull reports whether d is NULL.
func (d Datum) IsNull() bool { return d.kind == KindNull }

// GetInt64 returns the integer payload (the bits of an unsigned value).
func (d Datum) GetInt64() int64 { return int64(d.i) }

// GetUint64 returns the unsigned payload (the bits of a signed value).
func (d Datum) GetUint64() uint64 { return d.i }

// GetFloat64 returns a FLOAT or DOUBLE value.
func (d Datum) GetFloat64() float64 { return math.Float64frombits(d.i) }

// GetFloat32 returns a FLOAT value.
func (d Datum) GetFloat32() float32 { return float32(d.GetFloat64()) }

// GetBytes returns the payload of a string, bytes, bit or JSON value.
func (d Datum) GetBytes() []byte { return d.b }

// GetString returns the payload of a string or bytes value as a string.
func (d Datum) GetString() string { return string(d.b) }

// Collation returns the collation of a KindString value.
func (d Datum) Collation() string {
	if d.kind == KindString {
		return d.coll
	}
	return ""
}

// GetDecimal returns a decimal value.
func (d Datum) GetDecimal() Decimal {
	if d.dec == nil {
		return Decimal{}
	}
	return *d.dec
}

// Length returns the column precision of a decimal (0 when unset).
func (d Datum) Length() int { return int(d.length) }

// Frac returns the column frac of a decimal (meaningful when Length > 0).
func (d Datum) Frac() int { return int(d.frac) }

// GetDuration returns a TIME value.
func (d Datum) GetDuration() Duration {
	return Duration{Duration: time.Duration(int64(d.i)), Fsp: int(d.fsp)}
}

// GetTime returns a DATE, DATETIME or TIMESTAMP value.
func (d Datum) GetTime() Time { return TimeFromPackedUint(d.i, d.tp, int(d.fsp)) }

// GetEnum returns an ENUM value.
func (d Datum) GetEnum() Enum { return Enum{Name: d.coll, Value: d.i} }

// GetSet returns a SET value.
func (d Datum) GetSet() Set { return Set{Name: d.coll, Value: d.i} }

// GetBinaryLiteral returns a BIT or literal value.
func (d Datum) GetBinaryLiteral() BinaryLiteral { return BinaryLiteral(d.b) }

// GetJSON returns a JSON value.
func (d Datum) GetJSON() BinaryJSON { return BinaryJSON{TypeCode: d.tp, Value: d.b} }

// String returns the value as TiDB's Datum.ToString prints it: integers in
// decimal, floats in the shortest plain notation, strings and bit values as
// their bytes, times, durations and decimals in MySQL text form, JSON as text.
// NULL prints as "NULL".
func (d Datum) String() string {
	switch d.kind {
	case KindNull:
		return "NULL"
	case KindInt64:
		return strconv.FormatInt(d.GetInt64(), 10)
	case KindUint64:
		return strconv.FormatUint(d.i, 10)
	case KindFloat32:
		return strconv.FormatFloat(float64(d.GetFloat32()), 'f', -1, 32)
	case KindFloat64:
		return strconv.FormatFloat(d.GetFloat64(), 'f', -1, 64)
	case KindString, KindBytes, KindMysqlBit, KindBinaryLiteral:
		return string(d.b)
	case KindMysqlDecimal:
		return d.GetDecimal().String()
	case KindMysqlDuration:
		return d.GetDuration().String()
	case KindMysqlTime:
		return d.GetTime().String()
	case KindMysqlEnum, KindMysqlSet:
		return d.coll
	case KindMysqlJSON:
		return d.GetJSON().String()
	case KindMaxValue:
		return "MaxValue"
	case KindMinNotNull:
		return "MinNotNull"
	}
	return ""
}
