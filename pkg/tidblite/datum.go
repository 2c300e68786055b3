package tidblite

import (
	"fmt"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/shopspring/decimal"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// engineZeroTime is how go-mysql-server holds the zero date 0000-00-00.
var engineZeroTime = time.Unix(-62167219200, 0).UTC()

// toDatum converts a value the engine stores for a column into the datum
// TiDB holds for the same column (before flattening).
func toDatum(v any, col *model.ColumnInfo) (codec.Datum, error) {
	if v == nil {
		return codec.NewNullDatum(), nil
	}
	ft := &col.FieldType
	switch ft.Tp {
	case model.TypeTiny, model.TypeShort, model.TypeInt24, model.TypeLong, model.TypeLonglong:
		if ft.IsUnsigned() {
			return codec.NewUintDatum(toUint64(v)), nil
		}
		return codec.NewIntDatum(toInt64(v)), nil
	case model.TypeYear:
		return codec.NewIntDatum(toInt64(v)), nil
	case model.TypeFloat:
		return codec.NewFloat32Datum(float32(toFloat64(v))), nil
	case model.TypeDouble:
		return codec.NewFloat64Datum(toFloat64(v)), nil
	case model.TypeNewDecimal:
		return decimalDatum(v, ft)
	case model.TypeDate, model.TypeDatetime, model.TypeTimestamp:
		return timeDatum(v, ft)
	case model.TypeDuration:
		return durationDatum(v, ft.Fsp())
	case model.TypeEnum:
		i := toUint64(v)
		name := ""
		if i >= 1 && int(i) <= len(ft.Elems) {
			name = ft.Elems[i-1]
		}
		return codec.NewEnumDatum(codec.Enum{Name: name, Value: i}), nil
	case model.TypeSet:
		bits := toUint64(v)
		return codec.NewSetDatum(codec.Set{Name: setString(bits, ft.Elems), Value: bits}), nil
	case model.TypeBit:
		return codec.NewBitDatum(codec.NewBinaryLiteralFromUint(toUint64(v), (ft.Flen+7)/8)), nil
	case model.TypeJSON:
		return jsonDatum(v)
	}
	if model.IsString(ft.Tp) {
		return stringDatum(v, ft)
	}
	return codec.Datum{}, fmt.Errorf("%w: column %s type %d", ErrUnsupportedType, col.Name.O, ft.Tp)
}

func toFloat64(v any) float64 {
	switch x := v.(type) {
	case float32:
		return float64(x)
	case float64:
		return x
	}
	return float64(toInt64(v))
}

func decimalDatum(v any, ft *model.FieldType) (codec.Datum, error) {
	d, ok := v.(decimal.Decimal)
	if !ok {
		return codec.Datum{}, fmt.Errorf("%w: decimal value %T", ErrUnsupportedType, v)
	}
	dec, err := codec.ParseDecimal(d.StringFixed(int32(max(ft.Decimal, 0))))
	if err != nil {
		return codec.Datum{}, fmt.Errorf("convert decimal %s: %w", d, err)
	}
	return codec.NewDecimalDatumWithLength(dec, ft.Flen, ft.Decimal), nil
}

func timeDatum(v any, ft *model.FieldType) (codec.Datum, error) {
	t, ok := v.(time.Time)
	if !ok {
		return codec.Datum{}, fmt.Errorf("%w: time value %T", ErrUnsupportedType, v)
	}
	fsp := ft.Fsp()
	if t.Equal(engineZeroTime) {
		return codec.NewTimeDatum(codec.Time{Type: ft.Tp, Fsp: fsp}), nil
	}
	ct := codec.TimeFromGoTime(t.UTC(), ft.Tp, fsp)
	if ft.Tp == model.TypeDate {
		ct.Hour, ct.Minute, ct.Second, ct.Microsecond = 0, 0, 0, 0
	}
	return codec.NewTimeDatum(ct), nil
}

// durationDatum converts TIME. go-mysql-server keeps microseconds whatever
// the column says (its TIME has no precision); TiDB rounds to the column's
// fsp.
func durationDatum(v any, fsp int) (codec.Datum, error) {
	ts, ok := v.(types.Timespan)
	if !ok {
		return codec.Datum{}, fmt.Errorf("%w: time value %T", ErrUnsupportedType, v)
	}
	d := time.Duration(ts) * time.Microsecond
	unit := time.Second
	for range min(fsp, codec.MaxFsp) {
		unit /= 10
	}
	return codec.NewDurationDatum(codec.Duration{Duration: d.Round(unit), Fsp: fsp}), nil
}

func jsonDatum(v any) (codec.Datum, error) {
	w, ok := v.(sql.JSONWrapper)
	if !ok {
		return codec.Datum{}, fmt.Errorf("%w: json value %T", ErrUnsupportedType, v)
	}
	text, err := jsonText(w)
	if err != nil {
		return codec.Datum{}, err
	}
	bj, err := codec.ParseBinaryJSON(text)
	if err != nil {
		return codec.Datum{}, fmt.Errorf("convert json: %w", err)
	}
	return codec.NewJSONDatum(bj), nil
}

func stringDatum(v any, ft *model.FieldType) (codec.Datum, error) {
	var b []byte
	switch x := v.(type) {
	case string:
		b = []byte(x)
	case []byte:
		b = x
	default:
		return codec.Datum{}, fmt.Errorf("%w: string value %T", ErrUnsupportedType, v)
	}
	if ft.IsBinary() {
		return codec.NewBytesDatum(b), nil
	}
	s := string(b)
	if ft.Tp == model.TypeString { // TiDB stores CHAR without trailing spaces
		s = strings.TrimRight(s, " ")
	}
	return codec.NewStringDatum(s, ft.Collate), nil
}
