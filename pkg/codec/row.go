package codec

import (
	"fmt"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// RowFormatV2 is the first byte of a row in TiDB's new row format
// (rowcodec.CodecVer).
const RowFormatV2 byte = 128

// ColumnValue is one column of a decoded row.
type ColumnValue struct {
	ID    int64
	Value Datum
}

// FieldTypeFunc returns the type of a column id, or nil for a column the
// caller does not know (it is skipped). Only rows in format v2, whose values
// carry no type, need it.
type FieldTypeFunc func(colID int64) *model.FieldType

// FieldTypesOf returns a FieldTypeFunc over the columns of a table.
func FieldTypesOf(t *model.TableInfo) FieldTypeFunc {
	return func(id int64) *model.FieldType {
		if c := t.FindColumnByID(id); c != nil {
			return &c.FieldType
		}
		return nil
	}
}

// EncodeOldRow appends a row in TiDB's old format (tablecodec.EncodeOldRow):
// for every column the varint column id, then the flattened value (see
// Flatten; loc is the session time zone of TIMESTAMP values). An empty row
// is the single byte NilFlag.
func EncodeOldRow(b []byte, colIDs []int64, values []Datum, loc *time.Location) ([]byte, error) {
	if len(colIDs) != len(values) {
		return b, fmt.Errorf("encode row: %d column ids for %d values: %w", len(colIDs), len(values), ErrCorrupted)
	}
	if len(values) == 0 {
		return append(b, NilFlag), nil
	}
	for i, v := range values {
		f, err := Flatten(v, loc)
		if err != nil {
			return b, fmt.Errorf("encode row column %d: %w", colIDs[i], err)
		}
		b = EncodeVarint(append(b, VarintFlag), colIDs[i])
		if b, err = encodeDatum(b, f, false); err != nil {
			return b, fmt.Errorf("encode row column %d: %w", colIDs[i], err)
		}
	}
	return b, nil
}

// DecodeOldRow decodes a row in the old format into its (column id, value)
// pairs, in order; values are in flattened form (see Unflatten). Empty input
// or a leading NilFlag means no columns. Concatenated rows (an updated row is
// old row ++ new row) decode as one list in which ids repeat.
func DecodeOldRow(b []byte) ([]ColumnValue, error) {
	if len(b) == 0 || b[0] == NilFlag {
		return nil, nil
	}
	cols := make([]ColumnValue, 0, 8)
	for len(b) > 0 {
		rest, id, err := DecodeOne(b)
		if err != nil {
			return nil, fmt.Errorf("decode row column id: %w", err)
		}
		if id.Kind() != KindInt64 && id.Kind() != KindUint64 {
			return nil, fmt.Errorf("decode row: column id of kind %s: %w", id.Kind(), ErrCorrupted)
		}
		if len(rest) == 0 {
			return nil, fmt.Errorf("decode row: column %d has no value: %w", id.GetInt64(), ErrInsufficientData)
		}
		rest, v, err := DecodeOne(rest)
		if err != nil {
			return nil, fmt.Errorf("decode row column %d: %w", id.GetInt64(), err)
		}
		cols = append(cols, ColumnValue{ID: id.GetInt64(), Value: v})
		b = rest
	}
	return cols, nil
}

// DecodeRow decodes a row in either format: format v2 (first byte 128) is
// decoded with types, the old format without them. Values are in flattened
// form in both cases.
func DecodeRow(b []byte, types FieldTypeFunc) ([]ColumnValue, error) {
	if len(b) > 0 && b[0] == RowFormatV2 {
		return DecodeRowV2(b, types)
	}
	return DecodeOldRow(b)
}

// RowMap returns the values of cols by column id (a later id wins).
func RowMap(cols []ColumnValue) map[int64]Datum {
	m := make(map[int64]Datum, len(cols))
	for _, c := range cols {
		m[c.ID] = c.Value
	}
	return m
}
