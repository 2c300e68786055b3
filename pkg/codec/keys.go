package codec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
)

// TiKV key layout of TiDB tables (tablecodec):
//
//	row:   't' EncodeInt(tableID) "_r" handle
//	index: 't' EncodeInt(tableID) "_i" EncodeInt(indexID) EncodeKey(values...) [handle]
//
// An int handle is EncodeInt(h) (8 bytes, no flag). A common (clustered)
// handle is EncodeKey of the primary-key datums. An index key carries the
// handle unless the index is unique and no value is NULL; there an int handle
// is EncodeKey(int datum) (flag 0x03 + 8 bytes) and a common handle its bytes.

const (
	tablePrefix      = 't'
	recordPrefixSep  = "_r"
	indexPrefixSep   = "_i"
	prefixLen        = 1 + 8 + 2 // 't' + table id + separator
	recordRowKeyLen  = prefixLen + 8
	tempIndexPrefix  = 0x7fff000000000000
	metaPrefix       = 'm'
	metaHashDataFlag = 'h'
)

// Handle identifies a row: an int64 (integer primary key or _tidb_rowid) or
// the encoded key of a clustered primary key.
type Handle struct {
	common  bool
	intVal  int64
	encoded []byte
}

// IntHandle returns an integer handle.
func IntHandle(h int64) Handle { return Handle{intVal: h} }

// NewCommonHandle returns the common handle with the given encoded bytes
// (EncodeKey of the primary-key datums); they must decode.
func NewCommonHandle(encoded []byte) (Handle, error) {
	if len(encoded) == 0 {
		return Handle{}, fmt.Errorf("common handle: empty: %w", ErrInvalidKey)
	}
	if _, err := DecodeValues(encoded); err != nil {
		return Handle{}, fmt.Errorf("common handle: %w", err)
	}
	return Handle{common: true, encoded: encoded}, nil
}

// CommonHandleFromDatums encodes the primary-key values (in index column
// order) into a common handle; strings become collation keys.
func CommonHandleFromDatums(ds ...Datum) (Handle, error) {
	enc, err := EncodeKey(nil, ds...)
	if err != nil {
		return Handle{}, fmt.Errorf("common handle: %w", err)
	}
	return NewCommonHandle(enc)
}

// IsInt reports whether h is an integer handle.
func (h Handle) IsInt() bool { return !h.common }

// IntValue returns the value of an integer handle.
func (h Handle) IntValue() int64 { return h.intVal }

// Encoded returns the bytes of the handle inside a row key.
func (h Handle) Encoded() []byte {
	if h.common {
		return h.encoded
	}
	return EncodeInt(nil, h.intVal)
}

// Data returns the datums of the handle: one KindInt64 datum for an int
// handle, the decoded primary-key datums (collation keys as bytes) for a
// common handle. The drainer writes these after an inserted row's prefix.
func (h Handle) Data() ([]Datum, error) {
	if !h.common {
		return []Datum{NewIntDatum(h.intVal)}, nil
	}
	return DecodeValues(h.encoded)
}

// String returns the integer or the hex bytes of the handle.
func (h Handle) String() string {
	if h.common {
		return fmt.Sprintf("{%X}", h.encoded)
	}
	return strconv.FormatInt(h.intVal, 10)
}

// EncodeTablePrefix returns 't' + EncodeInt(tableID).
func EncodeTablePrefix(tableID int64) []byte {
	return EncodeInt([]byte{tablePrefix}, tableID)
}

// EncodeRecordPrefix returns the prefix of the table's row keys, t{id}_r.
func EncodeRecordPrefix(tableID int64) []byte {
	return append(EncodeTablePrefix(tableID), recordPrefixSep...)
}

// EncodeIndexPrefix returns the prefix of the table's index keys, t{id}_i.
func EncodeIndexPrefix(tableID int64) []byte {
	return append(EncodeTablePrefix(tableID), indexPrefixSep...)
}

// EncodeTableIndexPrefix returns the prefix of one index's keys, t{id}_i{indexID}.
func EncodeTableIndexPrefix(tableID, indexID int64) []byte {
	return EncodeInt(EncodeIndexPrefix(tableID), indexID)
}

// EncodeRowKey returns the key of a row.
func EncodeRowKey(tableID int64, h Handle) []byte {
	return append(EncodeRecordPrefix(tableID), h.Encoded()...)
}

// EncodeRowKeyWithIntHandle returns the key of a row with an integer handle.
func EncodeRowKeyWithIntHandle(tableID, h int64) []byte {
	return EncodeInt(EncodeRecordPrefix(tableID), h)
}

// EncodeIndexKey returns the key of an index entry (tablecodec.GenIndexKey
// with already truncated prefix columns). The handle is appended unless the
// index is unique and no value is NULL.
func EncodeIndexKey(tableID, indexID int64, values []Datum, h Handle, unique bool) ([]byte, error) {
	key, err := EncodeKey(EncodeTableIndexPrefix(tableID, indexID), values...)
	if err != nil {
		return nil, fmt.Errorf("encode index key: %w", err)
	}
	distinct := unique
	for _, v := range values {
		if v.IsNull() {
			distinct = false
		}
	}
	if distinct {
		return key, nil
	}
	if h.common {
		return append(key, h.encoded...), nil
	}
	return EncodeInt(append(key, IntFlag), h.intVal), nil
}

// EncodeIndexSeekKey returns t{id}_i{indexID} followed by encodedValue.
func EncodeIndexSeekKey(tableID, indexID int64, encodedValue []byte) []byte {
	return append(EncodeTableIndexPrefix(tableID, indexID), encodedValue...)
}

// TempIndexKey returns the key of the temporary index TiDB writes while adding
// the index of key (index id | 0x7fff000000000000).
func TempIndexKey(indexKey []byte) ([]byte, error) {
	tableID, indexID, _, err := splitIndexKey(indexKey)
	if err != nil {
		return nil, err
	}
	out := EncodeTableIndexPrefix(tableID, indexID|tempIndexPrefix)
	return append(out, indexKey[prefixLen+8:]...), nil
}

// DecodeTableID returns the table id of a table key, 0 if key is not one.
func DecodeTableID(key []byte) int64 {
	if len(key) < 9 || key[0] != tablePrefix {
		return 0
	}
	_, id, _ := DecodeInt(key[1:])
	return id
}

// IsRecordKey reports whether key is a row key.
func IsRecordKey(key []byte) bool {
	return len(key) > prefixLen && key[0] == tablePrefix && string(key[9:11]) == recordPrefixSep
}

// IsIndexKey reports whether key is an index key.
func IsIndexKey(key []byte) bool {
	return len(key) >= prefixLen+8 && key[0] == tablePrefix && string(key[9:11]) == indexPrefixSep
}

// DecodeRowKey returns the table id and handle of a row key: a key of
// exactly 19 bytes has an int handle, a longer one a common handle.
func DecodeRowKey(key []byte) (int64, Handle, error) {
	if !IsRecordKey(key) {
		return 0, Handle{}, fmt.Errorf("decode row key %X: %w", key, ErrInvalidKey)
	}
	tableID := DecodeTableID(key)
	rest := key[prefixLen:]
	if len(key) == recordRowKeyLen {
		_, h, _ := DecodeInt(rest)
		return tableID, IntHandle(h), nil
	}
	h, err := NewCommonHandle(bytes.Clone(rest))
	if err != nil {
		return 0, Handle{}, fmt.Errorf("decode row key %X: %w", key, err)
	}
	return tableID, h, nil
}

// DecodeIndexKey returns the table id, the index id and every datum after
// them (the index values, followed by the handle datums when the key has a
// handle; the schema tells them apart).
func DecodeIndexKey(key []byte) (tableID, indexID int64, values []Datum, err error) {
	tableID, indexID, rest, err := splitIndexKey(key)
	if err != nil {
		return 0, 0, nil, err
	}
	if values, err = DecodeValues(rest); err != nil {
		return 0, 0, nil, fmt.Errorf("decode index key %X: %w", key, err)
	}
	return tableID, indexID, values, nil
}

func splitIndexKey(key []byte) (int64, int64, []byte, error) {
	if !IsIndexKey(key) {
		return 0, 0, nil, fmt.Errorf("decode index key %X: %w", key, ErrInvalidKey)
	}
	rest, indexID, _ := DecodeInt(key[prefixLen:])
	return DecodeTableID(key), indexID, rest, nil
}

// EncodeMetaHashKey returns the key of field in TiDB's meta hash key:
// 'm' + EncodeBytes(key) + EncodeUint('h') + EncodeBytes(field).
func EncodeMetaHashKey(key, field []byte) []byte {
	b := EncodeBytes([]byte{metaPrefix}, key)
	b = EncodeUint(b, metaHashDataFlag)
	return EncodeBytes(b, field)
}

// MetaTableKey returns the meta key of a table's info inside its database
// (the prewrite key of TiDB's DDL binlogs), "DB:<dbID>" / "Table:<tableID>".
func MetaTableKey(dbID, tableID int64) []byte {
	return EncodeMetaHashKey([]byte("DB:"+strconv.FormatInt(dbID, 10)),
		[]byte("Table:"+strconv.FormatInt(tableID, 10)))
}

// MetaDDLJobHistoryKey returns the meta key under which TiDB stores a
// finished DDL job.
func MetaDDLJobHistoryKey(jobID int64) []byte {
	return EncodeMetaHashKey([]byte("DDLJobHistory"), binary.BigEndian.AppendUint64(nil, uint64(jobID)))
}
