package codec

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// Unflatten turns a flattened datum read from a row back into the value of a
// column of type ft (tablecodec.Unflatten, SPEC 2.4): FLOAT narrows to
// float32; DATE/DATETIME/TIMESTAMP unpack the uint64 (a non-zero TIMESTAMP is
// converted from UTC to loc); TIME takes the column's fsp; ENUM and SET map
// the index or bitmask to names (an invalid enum index gives an empty enum);
// BIT becomes (Flen+7)/8 bytes; strings get the column's collation. Other
// values are returned unchanged.
func Unflatten(d Datum, ft *model.FieldType, loc *time.Location) (Datum, error) {
	if d.IsNull() || ft == nil {
		return d, nil
	}
	switch ft.Tp {
	case model.TypeFloat:
		if d.kind == KindFloat64 || d.kind == KindFloat32 {
			return NewFloat32Datum(float32(d.GetFloat64())), nil
		}
	case model.TypeVarchar, model.TypeVarString, model.TypeString,
		model.TypeTinyBlob, model.TypeMediumBlob, model.TypeBlob, model.TypeLongBlob:
		if d.kind == KindBytes || d.kind == KindString {
			return NewStringDatumFromBytes(d.b, ft.Collate), nil
		}
	case model.TypeDate, model.TypeDatetime, model.TypeTimestamp, model.TypeNewDate:
		return unflattenTime(d, ft, loc)
	case model.TypeDuration:
		if isInteger(d) {
			return NewDurationDatum(Duration{Duration: time.Duration(d.GetInt64()), Fsp: ft.Fsp()}), nil
		}
		if d.kind == KindMysqlDuration {
			return NewDurationDatum(Duration{Duration: d.GetDuration().Duration, Fsp: ft.Fsp()}), nil
		}
	case model.TypeEnum:
		if isInteger(d) {
			e, err := ParseEnumValue(ft.Elems, d.GetUint64())
			if err != nil {
				e = Enum{}
			}
			return NewEnumDatum(e), nil
		}
	case model.TypeSet:
		if isInteger(d) {
			s, err := ParseSetValue(ft.Elems, d.GetUint64())
			if err != nil {
				return Datum{}, fmt.Errorf("unflatten set: %w", err)
			}
			return NewSetDatum(s), nil
		}
	case model.TypeBit:
		if isInteger(d) {
			return NewBitDatum(NewBinaryLiteralFromUint(d.GetUint64(), (ft.Flen+7)/8)), nil
		}
	default:
		return d, nil
	}
	return d, fmt.Errorf("unflatten %s value for column type %s: %w", d.kind, ft, ErrCorrupted)
}

func isInteger(d Datum) bool { return d.kind == KindInt64 || d.kind == KindUint64 }

func unflattenTime(d Datum, ft *model.FieldType, loc *time.Location) (Datum, error) {
	var t Time
	switch {
	case isInteger(d):
		t = TimeFromPackedUint(d.GetUint64(), ft.Tp, ft.Fsp())
	case d.kind == KindMysqlTime:
		t = d.GetTime()
		t.Type, t.Fsp = ft.Tp, ft.Fsp()
	default:
		return d, fmt.Errorf("unflatten %s value for column type %s: %w", d.kind, ft, ErrCorrupted)
	}
	if ft.Tp == model.TypeNewDate {
		t.Type = model.TypeDate
	}
	if ft.Tp == model.TypeTimestamp && !t.IsZero() {
		t = t.ConvertTimeZone(time.UTC, loc)
	}
	if _, err := t.ToPackedUint(); err != nil {
		return d, fmt.Errorf("unflatten time: %w", err)
	}
	return NewTimeDatum(t), nil
}

// UnflattenRow unflattens every value of cols whose column is known to types.
func UnflattenRow(cols []ColumnValue, types FieldTypeFunc, loc *time.Location) error {
	for i := range cols {
		ft := types(cols[i].ID)
		if ft == nil {
			continue
		}
		v, err := Unflatten(cols[i].Value, ft, loc)
		if err != nil {
			return fmt.Errorf("unflatten column %d: %w", cols[i].ID, err)
		}
		cols[i].Value = v
	}
	return nil
}

// ColumnDefaultDatum returns the value a row written before col existed has
// (SPEC 2.5): the original default if any (a TIMESTAMP default is stored in
// UTC and converted to loc), else NULL for a nullable column, else the first
// element of a NOT NULL enum, else the zero value of the type.
func ColumnDefaultDatum(col *model.ColumnInfo, loc *time.Location) (Datum, error) {
	if s, ok := col.OriginDefault(); ok {
		d, err := ParseDatum(s, &col.FieldType)
		if err != nil {
			return Datum{}, fmt.Errorf("default of column %s: %w", col.Name.O, err)
		}
		if d.kind == KindMysqlTime && col.Tp == model.TypeTimestamp {
			d = NewTimeDatum(d.GetTime().ConvertTimeZone(time.UTC, loc))
		}
		return d, nil
	}
	if !col.IsNotNull() {
		return NewNullDatum(), nil
	}
	if col.Tp == model.TypeEnum && len(col.Elems) > 0 {
		return NewEnumDatum(Enum{Name: col.Elems[0], Value: 1}), nil
	}
	return ZeroDatum(&col.FieldType), nil
}

// ZeroDatum returns the zero value of a column type (0, "", 0000-00-00,
// 00:00:00, an empty enum or set, JSON null).
func ZeroDatum(ft *model.FieldType) Datum {
	switch ft.Tp {
	case model.TypeTiny, model.TypeShort, model.TypeInt24, model.TypeLong, model.TypeLonglong, model.TypeYear:
		if ft.IsUnsigned() && ft.Tp != model.TypeYear {
			return NewUintDatum(0)
		}
		return NewIntDatum(0)
	case model.TypeFloat:
		return NewFloat32Datum(0)
	case model.TypeDouble:
		return NewFloat64Datum(0)
	case model.TypeNewDecimal:
		return NewDecimalDatumWithLength(Decimal{}.Round(max(ft.Decimal, 0)), max(ft.Flen, 0), max(ft.Decimal, 0))
	case model.TypeDate, model.TypeDatetime, model.TypeTimestamp, model.TypeNewDate:
		return NewTimeDatum(Time{Type: ft.Tp, Fsp: ft.Fsp()})
	case model.TypeDuration:
		return NewDurationDatum(Duration{Fsp: ft.Fsp()})
	case model.TypeEnum:
		return NewEnumDatum(Enum{})
	case model.TypeSet:
		return NewSetDatum(Set{})
	case model.TypeBit:
		return NewBitDatum(NewBinaryLiteralFromUint(0, (ft.Flen+7)/8))
	case model.TypeJSON:
		return NewJSONDatum(BinaryJSON{TypeCode: JSONTypeCodeLiteral, Value: []byte{JSONLiteralNil}})
	}
	return NewStringDatum("", ft.Collate)
}

// ParseDatum converts the text form of a value (a default value, a SQL
// literal without quotes) into a datum of column type ft. Times keep the
// calendar values written (no time zone conversion). For BIT the text is the
// raw bytes of the value.
func ParseDatum(s string, ft *model.FieldType) (Datum, error) {
	switch ft.Tp {
	case model.TypeTiny, model.TypeShort, model.TypeInt24, model.TypeLong, model.TypeLonglong, model.TypeYear:
		return parseIntDatum(s, ft)
	case model.TypeFloat, model.TypeDouble:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return Datum{}, fmt.Errorf("parse %q as %s: %w", s, ft, ErrBadNumber)
		}
		if ft.Tp == model.TypeFloat {
			return NewFloat32Datum(float32(f)), nil
		}
		return NewFloat64Datum(f), nil
	case model.TypeNewDecimal:
		dec, err := ParseDecimal(s)
		if err != nil {
			return Datum{}, err
		}
		if ft.Flen <= 0 || ft.Decimal < 0 {
			return NewDecimalDatum(dec), nil
		}
		return NewDecimalDatumWithLength(dec.Round(ft.Decimal), ft.Flen, ft.Decimal), nil
	case model.TypeDate, model.TypeDatetime, model.TypeTimestamp, model.TypeNewDate:
		t, err := ParseTime(s, ft.Tp, ft.Fsp())
		if err != nil {
			return Datum{}, err
		}
		return NewTimeDatum(t), nil
	case model.TypeDuration:
		d, err := ParseDuration(s, ft.Fsp())
		return NewDurationDatum(d), err
	case model.TypeEnum:
		e, err := ParseEnumName(ft.Elems, s)
		return NewEnumDatum(e), err
	case model.TypeSet:
		st, err := ParseSetName(ft.Elems, s)
		return NewSetDatum(st), err
	case model.TypeBit:
		v, err := BinaryLiteral(s).ToUint64()
		if err != nil {
			return Datum{}, err
		}
		return NewBitDatum(NewBinaryLiteralFromUint(v, (ft.Flen+7)/8)), nil
	case model.TypeJSON:
		j, err := ParseBinaryJSON(s)
		return NewJSONDatum(j), err
	}
	return NewStringDatum(s, ft.Collate), nil
}

func parseIntDatum(s string, ft *model.FieldType) (Datum, error) {
	s = strings.TrimSpace(s)
	if ft.IsUnsigned() && ft.Tp != model.TypeYear { // YEAR is stored as a signed integer
		u, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return Datum{}, fmt.Errorf("parse %q as %s: %w", s, ft, ErrBadNumber)
		}
		return NewUintDatum(u), nil
	}
	i, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return Datum{}, fmt.Errorf("parse %q as %s: %w", s, ft, ErrBadNumber)
	}
	return NewIntDatum(i), nil
}
