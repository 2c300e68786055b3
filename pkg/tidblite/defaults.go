package tidblite

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/shopspring/decimal"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

const currentTimestamp = "CURRENT_TIMESTAMP"

// setDefault fills DefaultValue (TiDB keeps it as a string in the column's
// text form) and reports whether the column has a DEFAULT clause.
func setDefault(ctx *sql.Context, col *model.ColumnInfo, c *sql.Column) (bool, error) {
	d := c.Default
	if d == nil {
		return false, nil
	}
	if !d.IsLiteral() {
		s := strings.ToUpper(strings.Trim(d.String(), "()"))
		if strings.HasPrefix(s, "NOW(") || strings.HasPrefix(s, currentTimestamp) {
			col.DefaultValue = currentTimestamp
			return true, nil
		}
		col.DefaultValue, col.DefaultIsExpr = strings.Trim(d.String(), "()"), true
		return true, nil
	}
	v, err := d.Eval(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("evaluate default: %w", err)
	}
	if v == nil {
		return true, nil
	}
	if col.Tp == model.TypeBit {
		b := bitBytes(toUint64(v), col.Flen)
		col.DefaultValue, col.DefaultValueBit = string(b), b
		return true, nil
	}
	s, err := valueString(v, &col.FieldType)
	if err != nil {
		return false, err
	}
	col.DefaultValue = s
	return true, nil
}

// originDefault is the value rows written before an ADD COLUMN read for the
// new column (TiDB's generateOriginDefaultValue).
func originDefault(col *model.ColumnInfo, nowUTC string) (any, []byte) {
	if col.DefaultValueBit != nil {
		return col.DefaultValue, col.DefaultValueBit
	}
	v := col.DefaultValue
	if v == nil && model.HasNotNullFlag(col.Flag) {
		v = zeroString(&col.FieldType)
	}
	if v == currentTimestamp {
		v = nowUTC
	}
	return v, nil
}

// zeroString is the text of a type's zero value.
func zeroString(ft *model.FieldType) any {
	switch {
	case ft.Tp == model.TypeEnum:
		if len(ft.Elems) > 0 {
			return ft.Elems[0]
		}
		return ""
	case ft.Tp == model.TypeDate:
		return "0000-00-00"
	case ft.Tp == model.TypeDatetime || ft.Tp == model.TypeTimestamp:
		return "0000-00-00 00:00:00" + fraction(0, ft.Decimal)
	case ft.Tp == model.TypeDuration:
		return "00:00:00"
	case ft.Tp == model.TypeJSON:
		return "null"
	case ft.Tp == model.TypeNewDecimal:
		return decimal.Zero.StringFixed(int32(max(ft.Decimal, 0)))
	case ft.Tp == model.TypeBit:
		return string(bitBytes(0, ft.Flen))
	case model.IsTypeInteger(ft.Tp) || model.IsTypeFloat(ft.Tp):
		return "0"
	}
	return ""
}

// valueString formats an engine value as TiDB's text form for the type.
func valueString(v any, ft *model.FieldType) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case decimal.Decimal:
		return x.StringFixed(int32(max(ft.Decimal, 0))), nil
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case time.Time:
		return timeString(x, ft), nil
	case types.Timespan:
		return x.String(), nil
	case sql.JSONWrapper:
		return jsonText(x)
	}
	switch ft.Tp {
	case model.TypeEnum:
		i := int(toUint64(v))
		if i < 1 || i > len(ft.Elems) {
			return "", nil
		}
		return ft.Elems[i-1], nil
	case model.TypeSet:
		return setString(toUint64(v), ft.Elems), nil
	}
	switch x := v.(type) {
	case int8, int16, int32, int64, int:
		return fmt.Sprint(x), nil
	case uint8, uint16, uint32, uint64, uint:
		return fmt.Sprint(x), nil
	}
	return "", fmt.Errorf("%w: value %T", ErrUnsupportedType, v)
}

func timeString(t time.Time, ft *model.FieldType) string {
	if ft.Tp == model.TypeDate {
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02 15:04:05") + fraction(t.Nanosecond()/1000, ft.Decimal)
}

// fraction renders microseconds with fsp digits (nothing for fsp <= 0).
func fraction(micros, fsp int) string {
	if fsp <= 0 {
		return ""
	}
	s := fmt.Sprintf("%06d", micros)
	return "." + s[:min(fsp, 6)]
}

func setString(bits uint64, elems []string) string {
	var parts []string
	for i, e := range elems {
		if bits&(1<<uint(i)) != 0 {
			parts = append(parts, e)
		}
	}
	return strings.Join(parts, ",")
}

// bitBytes is a BIT value as (flen+7)/8 big-endian bytes.
func bitBytes(v uint64, flen int) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], v)
	n := min(max((flen+7)/8, 1), 8)
	return append([]byte(nil), b[8-n:]...)
}

// toUint64 converts an engine integer value.
func toUint64(v any) uint64 {
	switch x := v.(type) {
	case uint8:
		return uint64(x)
	case uint16:
		return uint64(x)
	case uint32:
		return uint64(x)
	case uint64:
		return x
	case uint:
		return uint64(x)
	case int8:
		return uint64(x)
	case int16:
		return uint64(x)
	case int32:
		return uint64(x)
	case int64:
		return uint64(x)
	case int:
		return uint64(x)
	}
	return 0
}

// toInt64 converts an engine integer value.
func toInt64(v any) int64 { return int64(toUint64(v)) }

// jsonText renders a JSON document as compact text.
func jsonText(d sql.JSONWrapper) (string, error) {
	b, err := types.MarshallJson(d)
	if err != nil {
		return "", fmt.Errorf("render json: %w", err)
	}
	return string(b), nil
}
