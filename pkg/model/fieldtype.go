package model

import (
	"fmt"
	"strings"
)

// UnspecifiedLength is the Flen or Decimal of a type without an explicit
// length or scale.
const UnspecifiedLength = -1

// FieldType is the type of a column. Its JSON keys are the capitalised field
// names, as TiDB writes them.
type FieldType struct {
	Tp               byte     `json:"Tp"`
	Flag             uint     `json:"Flag"`
	Flen             int      `json:"Flen"`
	Decimal          int      `json:"Decimal"`
	Charset          string   `json:"Charset"`
	Collate          string   `json:"Collate"`
	Elems            []string `json:"Elems"`
	ElemsIsBinaryLit []bool   `json:"ElemsIsBinaryLit"`
	Array            bool     `json:"Array"`
}

// NewFieldType returns a FieldType of tp with unspecified length and scale and
// the binary charset.
func NewFieldType(tp byte) *FieldType {
	return &FieldType{
		Tp: tp, Flen: UnspecifiedLength, Decimal: UnspecifiedLength,
		Charset: CharsetBin, Collate: CollationBin,
	}
}

// IsUnsigned reports whether the UNSIGNED flag is set.
func (ft *FieldType) IsUnsigned() bool { return HasUnsignedFlag(ft.Flag) }

// IsNotNull reports whether the NOT NULL flag is set.
func (ft *FieldType) IsNotNull() bool { return HasNotNullFlag(ft.Flag) }

// IsPriKey reports whether the column is part of the primary key.
func (ft *FieldType) IsPriKey() bool { return HasPriKeyFlag(ft.Flag) }

// IsBinary reports whether the column uses the binary charset.
func (ft *FieldType) IsBinary() bool { return ft.Charset == CharsetBin }

// Fsp returns the fractional seconds precision of a TIME, DATETIME or
// TIMESTAMP column, 0 when unspecified.
func (ft *FieldType) Fsp() int {
	if ft.Decimal < 0 {
		return 0
	}
	return ft.Decimal
}

// Clone returns a deep copy.
func (ft *FieldType) Clone() *FieldType {
	c := *ft
	if ft.Elems != nil {
		c.Elems = append([]string(nil), ft.Elems...)
	}
	if ft.ElemsIsBinaryLit != nil {
		c.ElemsIsBinaryLit = append([]bool(nil), ft.ElemsIsBinaryLit...)
	}
	return &c
}

// TypeName returns the secondary-binlog type name (TypeToStr of Tp and Charset).
func (ft *FieldType) TypeName() string { return TypeToStr(ft.Tp, ft.Charset) }

// String returns a SQL-like description such as "int(11) UNSIGNED" or
// "enum('a','b')", for logs and error messages.
func (ft *FieldType) String() string {
	var b strings.Builder
	b.WriteString(ft.TypeName())
	switch ft.Tp {
	case TypeEnum, TypeSet:
		b.WriteByte('(')
		for i, e := range ft.Elems {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "'%s'", strings.ReplaceAll(e, "'", "''"))
		}
		b.WriteByte(')')
	case TypeNewDecimal:
		if ft.Flen > 0 {
			fmt.Fprintf(&b, "(%d,%d)", ft.Flen, max(ft.Decimal, 0))
		}
	default:
		if ft.Flen > 0 && !IsTypeTime(ft.Tp) && ft.Tp != TypeDuration && !IsTypeFloat(ft.Tp) {
			fmt.Fprintf(&b, "(%d)", ft.Flen)
		} else if ft.Decimal > 0 && (IsTypeTime(ft.Tp) || ft.Tp == TypeDuration) {
			fmt.Fprintf(&b, "(%d)", ft.Decimal)
		}
	}
	if ft.IsUnsigned() {
		b.WriteString(" UNSIGNED")
	}
	return b.String()
}
