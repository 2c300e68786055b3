package codec

import (
	"fmt"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// EncodeValue appends the non-comparable encoding of each datum (util/codec
// EncodeValue): the form of values inside rows. Integers are varints, strings
// compact bytes. A KindMysqlTime datum is written as uintFlag + its 8-byte
// packed value and a TIMESTAMP is taken to be in UTC already; use Flatten
// first to get the binlog row form.
func EncodeValue(b []byte, ds ...Datum) ([]byte, error) {
	return encodeDatums(b, ds, false)
}

// EncodeKey appends the comparable (memcomparable) encoding of each datum
// (util/codec EncodeKey): the form used in keys. Strings are replaced by
// their collation key (new collation) and written as memcomparable bytes.
func EncodeKey(b []byte, ds ...Datum) ([]byte, error) {
	return encodeDatums(b, ds, true)
}

func encodeDatums(b []byte, ds []Datum, comparable bool) ([]byte, error) {
	for i, d := range ds {
		var err error
		if b, err = encodeDatum(b, d, comparable); err != nil {
			return b, fmt.Errorf("encode datum %d (%s): %w", i, d.kind, err)
		}
	}
	return b, nil
}

func encodeDatum(b []byte, d Datum, comparable bool) ([]byte, error) {
	switch d.kind {
	case KindNull:
		return append(b, NilFlag), nil
	case KindInt64:
		if comparable {
			return EncodeInt(append(b, IntFlag), d.GetInt64()), nil
		}
		return EncodeVarint(append(b, VarintFlag), d.GetInt64()), nil
	case KindUint64, KindMysqlEnum, KindMysqlSet:
		return encodeUintDatum(b, d.i, comparable), nil
	case KindMysqlBit, KindBinaryLiteral:
		v, err := d.GetBinaryLiteral().ToUint64()
		if err != nil {
			return b, err
		}
		return encodeUintDatum(b, v, comparable), nil
	case KindFloat32, KindFloat64:
		return EncodeFloat(append(b, FloatFlag), d.GetFloat64()), nil
	case KindString:
		if comparable {
			return EncodeBytes(append(b, BytesFlag), CollationKey(d.coll, d.b)), nil
		}
		return EncodeCompactBytes(append(b, CompactBytesFlag), d.b), nil
	case KindBytes:
		if comparable {
			return EncodeBytes(append(b, BytesFlag), d.b), nil
		}
		return EncodeCompactBytes(append(b, CompactBytesFlag), d.b), nil
	case KindMysqlDecimal:
		return EncodeDecimal(append(b, DecimalFlag), d.GetDecimal(), d.Length(), d.Frac())
	case KindMysqlDuration:
		return EncodeInt(append(b, DurationFlag), d.GetInt64()), nil
	case KindMysqlTime:
		return EncodeUint(append(b, UintFlag), d.i), nil
	case KindMysqlJSON:
		if err := validateJSON(d.tp, d.b, 0); err != nil {
			return b, err
		}
		return append(append(b, JSONFlag, d.tp), d.b...), nil
	case KindMaxValue:
		return append(b, MaxFlag), nil
	case KindMinNotNull:
		return append(b, BytesFlag), nil
	}
	return b, ErrUnsupportedKind
}

func encodeUintDatum(b []byte, v uint64, comparable bool) []byte {
	if comparable {
		return EncodeUint(append(b, UintFlag), v)
	}
	return EncodeUvarint(append(b, UvarintFlag), v)
}

// EncodeDecimal appends precision, frac and the binary form of dec (the
// payload after decimalFlag). precision 0 means dec's own PrecisionAndFrac;
// frac is capped at MaxDecimalScale.
func EncodeDecimal(b []byte, dec Decimal, precision, frac int) ([]byte, error) {
	if precision == 0 {
		precision, frac = dec.PrecisionAndFrac()
	}
	frac = min(frac, MaxDecimalScale)
	start := len(b)
	b = append(b, byte(precision), byte(frac))
	out, err := dec.WriteBin(b, precision, frac)
	if err != nil {
		return b[:start], err
	}
	return out, nil
}

// DecodeDecimal decodes the payload written by EncodeDecimal and returns the
// decimal with the precision and frac it was written with.
func DecodeDecimal(b []byte) ([]byte, Decimal, int, int, error) {
	if len(b) < 2 {
		return nil, Decimal{}, 0, 0, fmt.Errorf("decode decimal header: %w", ErrInsufficientData)
	}
	precision, frac := int(b[0]), int(b[1])
	dec, n, err := DecimalFromBin(b[2:], precision, frac)
	if err != nil {
		return nil, Decimal{}, 0, 0, err
	}
	return b[2+n:], dec, precision, frac, nil
}

// Flatten converts a datum to the kind stored in binlog rows (tablecodec
// flatten): times become their packed uint64 (a TIMESTAMP is converted from
// loc to UTC first), durations int64 nanoseconds, enums, sets and bits uint64.
// Other kinds are returned unchanged.
func Flatten(d Datum, loc *time.Location) (Datum, error) {
	switch d.kind {
	case KindMysqlTime:
		t := d.GetTime()
		if t.Type == model.TypeTimestamp {
			t = t.ConvertTimeZone(loc, time.UTC)
		}
		v, err := t.ToPackedUint()
		if err != nil {
			return Datum{}, fmt.Errorf("flatten time: %w", err)
		}
		return NewUintDatum(v), nil
	case KindMysqlDuration:
		return NewIntDatum(d.GetInt64()), nil
	case KindMysqlEnum, KindMysqlSet:
		return NewUintDatum(d.i), nil
	case KindMysqlBit, KindBinaryLiteral:
		v, err := d.GetBinaryLiteral().ToUint64()
		if err != nil {
			return Datum{}, fmt.Errorf("flatten bit: %w", err)
		}
		return NewUintDatum(v), nil
	}
	return d, nil
}
