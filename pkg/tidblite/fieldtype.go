package tidblite

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// ErrUnsupportedType is returned for a column type TiDB binlog cannot carry
// here (geometry, ...).
var ErrUnsupportedType = errors.New("tidblite: unsupported column type")

// TiDB's default display widths of the integer types (signed, unsigned).
var intFlen = map[byte][2]int{
	model.TypeTiny:     {4, 3},
	model.TypeShort:    {6, 5},
	model.TypeInt24:    {9, 8},
	model.TypeLong:     {11, 10},
	model.TypeLonglong: {20, 20},
}

// Lengths of TiDB's BLOB/TEXT types.
const (
	tinyBlobLen   = 255
	blobLen       = 65535
	mediumBlobLen = 16777215
	longBlobLen   = 4294967295
)

// fieldType converts a go-mysql-server column type to TiDB's FieldType
// (type-level flags only: UNSIGNED, ZEROFILL, BINARY).
func fieldType(t sql.Type) (model.FieldType, error) {
	ft := model.FieldType{Charset: model.CharsetBin, Collate: model.CollationBin}
	qt := t.Type()
	switch {
	case qt == sqltypes.Year:
		ft.Tp, ft.Flen, ft.Decimal, ft.Flag = model.TypeYear, 4, 0, model.UnsignedFlag|model.ZerofillFlag
	case sqltypes.IsIntegral(qt):
		integerType(&ft, qt, t)
	case qt == sqltypes.Float32:
		ft.Tp, ft.Flen, ft.Decimal = model.TypeFloat, 12, model.UnspecifiedLength
	case qt == sqltypes.Float64:
		ft.Tp, ft.Flen, ft.Decimal = model.TypeDouble, 22, model.UnspecifiedLength
	case qt == sqltypes.Decimal:
		dt := t.(sql.DecimalType)
		ft.Tp, ft.Flen, ft.Decimal = model.TypeNewDecimal, int(dt.Precision()), int(dt.Scale())
	case qt == sqltypes.Date, qt == sqltypes.Datetime, qt == sqltypes.Timestamp:
		timeType(&ft, qt, t)
	case qt == sqltypes.Time:
		// go-mysql-server only accepts TIME without a precision.
		ft.Tp, ft.Flen, ft.Decimal, ft.Flag = model.TypeDuration, 10, 0, model.BinaryFlag
	case qt == sqltypes.Bit:
		ft.Tp, ft.Flen, ft.Flag = model.TypeBit, int(t.(types.BitType).NumberOfBits()), model.UnsignedFlag
	case qt == sqltypes.TypeJSON:
		ft.Tp, ft.Flen, ft.Flag = model.TypeJSON, longBlobLen, model.BinaryFlag
	case qt == sqltypes.Enum:
		et := t.(sql.EnumType)
		ft.Tp, ft.Elems = model.TypeEnum, et.Values()
		ft.Flen = maxLen(ft.Elems)
		setCollation(&ft, et.Collation())
	case qt == sqltypes.Set:
		st := t.(sql.SetType)
		ft.Tp, ft.Elems = model.TypeSet, st.Values()
		ft.Flen = max(len(strings.Join(ft.Elems, ",")), 1)
		setCollation(&ft, st.Collation())
	case sqltypes.IsText(qt) || sqltypes.IsBinary(qt):
		stringType(&ft, qt, t.(sql.StringType))
	default:
		return ft, fmt.Errorf("%w: %s", ErrUnsupportedType, t.String())
	}
	return ft, nil
}

func integerType(ft *model.FieldType, qt querypb.Type, t sql.Type) {
	switch qt {
	case sqltypes.Int8, sqltypes.Uint8:
		ft.Tp = model.TypeTiny
	case sqltypes.Int16, sqltypes.Uint16:
		ft.Tp = model.TypeShort
	case sqltypes.Int24, sqltypes.Uint24:
		ft.Tp = model.TypeInt24
	case sqltypes.Int32, sqltypes.Uint32:
		ft.Tp = model.TypeLong
	default:
		ft.Tp = model.TypeLonglong
	}
	unsigned := sqltypes.IsUnsigned(qt)
	if unsigned {
		ft.Flag |= model.UnsignedFlag
		ft.Flen = intFlen[ft.Tp][1]
	} else {
		ft.Flen = intFlen[ft.Tp][0]
	}
	if nt, ok := t.(sql.NumberType); ok && ft.Tp == model.TypeTiny && nt.DisplayWidth() == 1 {
		ft.Flen = 1 // BOOL / TINYINT(1)
	}
}

func timeType(ft *model.FieldType, qt querypb.Type, t sql.Type) {
	if qt == sqltypes.Date {
		ft.Tp, ft.Flen, ft.Decimal, ft.Flag = model.TypeDate, 10, 0, model.BinaryFlag
		return
	}
	fsp := 0
	if dt, ok := t.(sql.DatetimeType); ok {
		fsp = dt.Precision()
	}
	ft.Tp = model.TypeDatetime
	if qt == sqltypes.Timestamp {
		ft.Tp = model.TypeTimestamp
	}
	ft.Flen, ft.Decimal, ft.Flag = 19, fsp, model.BinaryFlag
	if fsp > 0 {
		ft.Flen += fsp + 1
	}
}

func stringType(ft *model.FieldType, qt querypb.Type, st sql.StringType) {
	setCollation(ft, st.Collation())
	binary := ft.Charset == model.CharsetBin
	if binary {
		ft.Flag |= model.BinaryFlag
	}
	n := int(st.MaxCharacterLength())
	switch qt {
	case sqltypes.Char, sqltypes.Binary:
		ft.Tp, ft.Flen = model.TypeString, n
	case sqltypes.VarChar, sqltypes.VarBinary:
		ft.Tp, ft.Flen = model.TypeVarchar, n
	default: // TEXT and BLOB families, by their byte length
		switch b := st.MaxByteLength(); {
		case b <= tinyBlobLen:
			ft.Tp, ft.Flen = model.TypeTinyBlob, tinyBlobLen
		case b <= blobLen:
			ft.Tp, ft.Flen = model.TypeBlob, blobLen
		case b <= mediumBlobLen:
			ft.Tp, ft.Flen = model.TypeMediumBlob, mediumBlobLen
		default:
			ft.Tp, ft.Flen = model.TypeLongBlob, longBlobLen
		}
	}
}

// setCollation maps a go-mysql-server collation to TiDB's names. The
// engine's default utf8mb4_0900_bin is TiDB's default utf8mb4_bin.
func setCollation(ft *model.FieldType, c sql.CollationID) {
	if c == sql.Collation_binary {
		ft.Charset, ft.Collate = model.CharsetBin, model.CollationBin
		return
	}
	ft.Charset, ft.Collate = c.CharacterSet().Name(), c.Name()
	if ft.Collate == "utf8mb4_0900_bin" {
		ft.Collate = "utf8mb4_bin"
	}
}

func maxLen(elems []string) int {
	n := 0
	for _, e := range elems {
		n = max(n, len(e))
	}
	return max(n, 1)
}

// isIntegerHandleType reports whether a primary key column of type ft can be
// the row handle (TiDB's PKIsHandle).
func isIntegerHandleType(ft *model.FieldType) bool {
	return model.IsTypeInteger(ft.Tp) && ft.Tp != model.TypeBit && ft.Tp != model.TypeYear
}
