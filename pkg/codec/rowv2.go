package codec

import (
	"encoding/binary"
	"fmt"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// Row format v2 (rowcodec): byte 128, a flag byte (bit 0: large), the number
// of not-null and of null columns (uint16 little-endian each), the column ids
// (1 byte each, or uint32 little-endian when large; not-null ids ascending,
// then null ids ascending), the end offset of each not-null value (uint16, or
// uint32 when large), then the values. A value carries no type: integers are
// 1, 2, 4 or 8 bytes little-endian, floats the comparable 8 bytes, strings
// raw, decimals precision+frac+binary, times their packed uint64, durations
// int64 nanoseconds, enum/set/bit uint64, JSON type code + binary. Bytes
// after the last value (a checksum in newer TiDB) are ignored.

type rowV2 struct {
	notNull, null int
	ids           []int64
	offsets       []int
	data          []byte
}

func parseRowV2(b []byte) (*rowV2, error) {
	if len(b) < 6 || b[0] != RowFormatV2 {
		return nil, fmt.Errorf("row v2 header: %w", ErrInsufficientData)
	}
	large := b[1]&1 == 1
	r := &rowV2{notNull: int(binary.LittleEndian.Uint16(b[2:])), null: int(binary.LittleEndian.Uint16(b[4:]))}
	idSize, offSize := 1, 2
	if large {
		idSize, offSize = 4, 4
	}
	total := r.notNull + r.null
	cursor := 6
	if len(b) < cursor+total*idSize+r.notNull*offSize {
		return nil, fmt.Errorf("row v2 with %d columns: %w", total, ErrInsufficientData)
	}
	r.ids = make([]int64, total)
	for i := range r.ids {
		if large {
			r.ids[i] = int64(binary.LittleEndian.Uint32(b[cursor:]))
		} else {
			r.ids[i] = int64(b[cursor])
		}
		cursor += idSize
	}
	r.offsets = make([]int, r.notNull)
	for i := range r.offsets {
		if large {
			r.offsets[i] = int(binary.LittleEndian.Uint32(b[cursor:]))
		} else {
			r.offsets[i] = int(binary.LittleEndian.Uint16(b[cursor:]))
		}
		cursor += offSize
	}
	r.data = b[cursor:]
	prev := 0
	for _, off := range r.offsets {
		if off < prev || off > len(r.data) {
			return nil, fmt.Errorf("row v2 value offset %d: %w", off, ErrCorrupted)
		}
		prev = off
	}
	return r, nil
}

// DecodeRowV2 decodes a row in format v2. Columns types does not know are
// skipped; null columns decode as NULL.
func DecodeRowV2(b []byte, types FieldTypeFunc) ([]ColumnValue, error) {
	if types == nil {
		return nil, ErrNeedColumnTypes
	}
	r, err := parseRowV2(b)
	if err != nil {
		return nil, err
	}
	cols := make([]ColumnValue, 0, len(r.ids))
	start := 0
	for i, id := range r.ids {
		ft := types(id)
		if i >= r.notNull {
			if ft != nil {
				cols = append(cols, ColumnValue{ID: id})
			}
			continue
		}
		end := r.offsets[i]
		val := r.data[start:end:end]
		start = end
		if ft == nil {
			continue
		}
		d, err := decodeV2Value(val, ft)
		if err != nil {
			return nil, fmt.Errorf("decode row v2 column %d: %w", id, err)
		}
		cols = append(cols, ColumnValue{ID: id, Value: d})
	}
	return cols, nil
}

// decodeV2Value decodes one value into the flattened kind the old format
// would have given for a column of type ft.
func decodeV2Value(v []byte, ft *model.FieldType) (Datum, error) {
	switch ft.Tp {
	case model.TypeTiny, model.TypeShort, model.TypeInt24, model.TypeLong, model.TypeLonglong, model.TypeYear:
		if ft.IsUnsigned() && ft.Tp != model.TypeYear { // YEAR is always stored signed
			u, err := decodeV2Uint(v)
			return NewUintDatum(u), err
		}
		i, err := decodeV2Int(v)
		return NewIntDatum(i), err
	case model.TypeFloat, model.TypeDouble:
		if len(v) != 8 {
			return Datum{}, fmt.Errorf("float of %d bytes: %w", len(v), ErrCorrupted)
		}
		_, f, err := DecodeFloat(v)
		return NewFloat64Datum(f), err
	case model.TypeNewDecimal:
		_, dec, precision, frac, err := DecodeDecimal(v)
		return NewDecimalDatumWithLength(dec, precision, frac), err
	case model.TypeDate, model.TypeDatetime, model.TypeTimestamp, model.TypeNewDate,
		model.TypeEnum, model.TypeSet, model.TypeBit:
		u, err := decodeV2Uint(v)
		return NewUintDatum(u), err
	case model.TypeDuration:
		i, err := decodeV2Int(v)
		return NewIntDatum(i), err
	case model.TypeJSON:
		rest, j, err := decodeJSONPayload(v)
		if err == nil && len(rest) > 0 {
			err = fmt.Errorf("%d bytes after json value: %w", len(rest), ErrCorrupted)
		}
		return NewJSONDatum(j), err
	}
	return NewBytesDatum(v), nil
}

func decodeV2Int(v []byte) (int64, error) {
	switch len(v) {
	case 1:
		return int64(int8(v[0])), nil
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(v))), nil
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(v))), nil
	case 8:
		return int64(binary.LittleEndian.Uint64(v)), nil
	}
	return 0, fmt.Errorf("integer of %d bytes: %w", len(v), ErrCorrupted)
}

func decodeV2Uint(v []byte) (uint64, error) {
	switch len(v) {
	case 1:
		return uint64(v[0]), nil
	case 2:
		return uint64(binary.LittleEndian.Uint16(v)), nil
	case 4:
		return uint64(binary.LittleEndian.Uint32(v)), nil
	case 8:
		return binary.LittleEndian.Uint64(v), nil
	}
	return 0, fmt.Errorf("unsigned integer of %d bytes: %w", len(v), ErrCorrupted)
}
