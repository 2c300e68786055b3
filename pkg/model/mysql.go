package model

import "strings"

// MySQL column type codes (FieldType.Tp), as in the MySQL protocol.
const (
	TypeUnspecified byte = 0
	TypeTiny        byte = 1 // TINYINT
	TypeShort       byte = 2 // SMALLINT
	TypeLong        byte = 3 // INT
	TypeFloat       byte = 4
	TypeDouble      byte = 5
	TypeNull        byte = 6
	TypeTimestamp   byte = 7
	TypeLonglong    byte = 8 // BIGINT
	TypeInt24       byte = 9 // MEDIUMINT
	TypeDate        byte = 10
	TypeDuration    byte = 11 // TIME
	TypeDatetime    byte = 12
	TypeYear        byte = 13
	TypeNewDate     byte = 14
	TypeVarchar     byte = 15
	TypeBit         byte = 16
	TypeJSON        byte = 245
	TypeNewDecimal  byte = 246
	TypeEnum        byte = 247
	TypeSet         byte = 248
	TypeTinyBlob    byte = 249
	TypeMediumBlob  byte = 250
	TypeLongBlob    byte = 251
	TypeBlob        byte = 252
	TypeVarString   byte = 253
	TypeString      byte = 254 // CHAR
	TypeGeometry    byte = 255
)

// Column flags (FieldType.Flag).
const (
	NotNullFlag           uint = 1 << 0
	PriKeyFlag            uint = 1 << 1
	UniqueKeyFlag         uint = 1 << 2
	MultipleKeyFlag       uint = 1 << 3
	BlobFlag              uint = 1 << 4
	UnsignedFlag          uint = 1 << 5
	ZerofillFlag          uint = 1 << 6
	BinaryFlag            uint = 1 << 7
	EnumFlag              uint = 1 << 8
	AutoIncrementFlag     uint = 1 << 9
	TimestampFlag         uint = 1 << 10
	SetFlag               uint = 1 << 11
	NoDefaultValueFlag    uint = 1 << 12
	OnUpdateNowFlag       uint = 1 << 13
	PartKeyFlag           uint = 1 << 14
	NumFlag               uint = 1 << 15
	UniqueFlag            uint = 1 << 16
	BinCmpFlag            uint = 1 << 17
	ParseToJSONFlag       uint = 1 << 18
	IsBooleanFlag         uint = 1 << 19
	PreventNullInsertFlag uint = 1 << 20
	EnumSetAsIntFlag      uint = 1 << 21
	DropColumnIndexFlag   uint = 1 << 22
	GeneratedColumnFlag   uint = 1 << 23
)

// Character sets and collations the tools name explicitly.
const (
	CharsetBin     = "binary"
	CollationBin   = "binary"
	CharsetUTF8MB4 = "utf8mb4"
)

// ExtraHandleID is the column id of the implicit row id `_tidb_rowid` of a
// table whose primary key is not the handle.
const ExtraHandleID int64 = -1

// ExtraHandleName is the name of the implicit row id column.
const ExtraHandleName = "_tidb_rowid"

var typeNames = map[byte]string{
	TypeUnspecified: "unspecified",
	TypeTiny:        "tinyint",
	TypeShort:       "smallint",
	TypeLong:        "int",
	TypeFloat:       "float",
	TypeDouble:      "double",
	TypeNull:        "null",
	TypeTimestamp:   "timestamp",
	TypeLonglong:    "bigint",
	TypeInt24:       "mediumint",
	TypeDate:        "date",
	TypeDuration:    "time",
	TypeDatetime:    "datetime",
	TypeYear:        "year",
	TypeVarchar:     "varchar",
	TypeBit:         "bit",
	TypeJSON:        "json",
	TypeNewDecimal:  "decimal",
	TypeEnum:        "enum",
	TypeSet:         "set",
	TypeTinyBlob:    "tinytext",
	TypeMediumBlob:  "mediumtext",
	TypeLongBlob:    "longtext",
	TypeBlob:        "text",
	TypeVarString:   "var_string",
	TypeString:      "char",
	TypeGeometry:    "geometry",
}

// TypeStr returns TiDB's lower-case name of a type code ("" when unknown).
func TypeStr(tp byte) string { return typeNames[tp] }

// TypeToStr returns the lower-case type name used as `mysql_type` in the
// secondary binlog: with the binary charset text types become blobs and char
// types become binary (varchar -> varbinary, char -> binary).
func TypeToStr(tp byte, charset string) string {
	ts := typeNames[tp]
	if charset != CharsetBin {
		return ts
	}
	switch {
	case IsTypeBlob(tp):
		return strings.Replace(ts, "text", "blob", 1)
	case IsTypeChar(tp):
		return strings.Replace(ts, "char", "binary", 1)
	}
	return ts
}

// IsTypeBlob reports whether tp is one of the BLOB/TEXT types.
func IsTypeBlob(tp byte) bool {
	switch tp {
	case TypeTinyBlob, TypeMediumBlob, TypeBlob, TypeLongBlob:
		return true
	}
	return false
}

// IsTypeChar reports whether tp is CHAR or VARCHAR.
func IsTypeChar(tp byte) bool { return tp == TypeString || tp == TypeVarchar }

// IsTypeVarchar reports whether tp is VARCHAR or VAR_STRING.
func IsTypeVarchar(tp byte) bool { return tp == TypeVarchar || tp == TypeVarString }

// IsString reports whether values of tp are stored as byte strings
// (CHAR, VARCHAR, VAR_STRING and the BLOB/TEXT types).
func IsString(tp byte) bool { return IsTypeChar(tp) || IsTypeBlob(tp) || tp == TypeVarString }

// IsTypeTime reports whether tp is DATE, DATETIME or TIMESTAMP.
func IsTypeTime(tp byte) bool {
	return tp == TypeDate || tp == TypeDatetime || tp == TypeTimestamp || tp == TypeNewDate
}

// IsTypeInteger reports whether tp is one of the integer types (YEAR included,
// it is stored as an integer).
func IsTypeInteger(tp byte) bool {
	switch tp {
	case TypeTiny, TypeShort, TypeInt24, TypeLong, TypeLonglong, TypeYear:
		return true
	}
	return false
}

// IsTypeFloat reports whether tp is FLOAT or DOUBLE.
func IsTypeFloat(tp byte) bool { return tp == TypeFloat || tp == TypeDouble }

// HasNotNullFlag reports whether flag has NotNullFlag.
func HasNotNullFlag(flag uint) bool { return flag&NotNullFlag > 0 }

// HasPriKeyFlag reports whether flag has PriKeyFlag.
func HasPriKeyFlag(flag uint) bool { return flag&PriKeyFlag > 0 }

// HasUniKeyFlag reports whether flag has UniqueKeyFlag.
func HasUniKeyFlag(flag uint) bool { return flag&UniqueKeyFlag > 0 }

// HasUnsignedFlag reports whether flag has UnsignedFlag.
func HasUnsignedFlag(flag uint) bool { return flag&UnsignedFlag > 0 }

// HasBinaryFlag reports whether flag has BinaryFlag.
func HasBinaryFlag(flag uint) bool { return flag&BinaryFlag > 0 }

// HasAutoIncrementFlag reports whether flag has AutoIncrementFlag.
func HasAutoIncrementFlag(flag uint) bool { return flag&AutoIncrementFlag > 0 }

// HasNoDefaultValueFlag reports whether flag has NoDefaultValueFlag.
func HasNoDefaultValueFlag(flag uint) bool { return flag&NoDefaultValueFlag > 0 }

// HasOnUpdateNowFlag reports whether flag has OnUpdateNowFlag.
func HasOnUpdateNowFlag(flag uint) bool { return flag&OnUpdateNowFlag > 0 }

// HasGeneratedColumnFlag reports whether flag has GeneratedColumnFlag.
func HasGeneratedColumnFlag(flag uint) bool { return flag&GeneratedColumnFlag > 0 }
