package codec

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Datum flags: the first byte of every encoded datum (SPEC 2.3).
const (
	NilFlag          byte = 0
	BytesFlag        byte = 1
	CompactBytesFlag byte = 2
	IntFlag          byte = 3
	UintFlag         byte = 4
	FloatFlag        byte = 5
	DecimalFlag      byte = 6
	DurationFlag     byte = 7
	VarintFlag       byte = 8
	UvarintFlag      byte = 9
	JSONFlag         byte = 10
	MaxFlag          byte = 250
)

const signMask uint64 = 0x8000000000000000

// EncodeInt appends v in comparable form: 8 bytes big-endian with the sign
// bit flipped, so that byte order equals numeric order.
func EncodeInt(b []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(v)^signMask)
}

// DecodeInt decodes a value written by EncodeInt and returns the rest.
func DecodeInt(b []byte) ([]byte, int64, error) {
	if len(b) < 8 {
		return nil, 0, fmt.Errorf("decode int: %w", ErrInsufficientData)
	}
	return b[8:], int64(binary.BigEndian.Uint64(b) ^ signMask), nil
}

// EncodeUint appends v as 8 bytes big-endian (comparable).
func EncodeUint(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

// DecodeUint decodes a value written by EncodeUint and returns the rest.
func DecodeUint(b []byte) ([]byte, uint64, error) {
	if len(b) < 8 {
		return nil, 0, fmt.Errorf("decode uint: %w", ErrInsufficientData)
	}
	return b[8:], binary.BigEndian.Uint64(b), nil
}

// EncodeVarint appends v as a zigzag varint (binary.PutVarint).
func EncodeVarint(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

// DecodeVarint decodes a zigzag varint and returns the rest.
func DecodeVarint(b []byte) ([]byte, int64, error) {
	v, n := binary.Varint(b)
	if n == 0 {
		return nil, 0, fmt.Errorf("decode varint: %w", ErrInsufficientData)
	}
	if n < 0 {
		return nil, 0, fmt.Errorf("decode varint: %w", ErrOverflow)
	}
	return b[n:], v, nil
}

// EncodeUvarint appends v as an unsigned varint (binary.PutUvarint).
func EncodeUvarint(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }

// DecodeUvarint decodes an unsigned varint and returns the rest.
func DecodeUvarint(b []byte) ([]byte, uint64, error) {
	v, n := binary.Uvarint(b)
	if n == 0 {
		return nil, 0, fmt.Errorf("decode uvarint: %w", ErrInsufficientData)
	}
	if n < 0 {
		return nil, 0, fmt.Errorf("decode uvarint: %w", ErrOverflow)
	}
	return b[n:], v, nil
}

// EncodeFloat appends f in comparable form: for f >= 0 the IEEE bits with the
// sign bit set, otherwise all bits inverted; 8 bytes big-endian.
func EncodeFloat(b []byte, f float64) []byte {
	u := math.Float64bits(f)
	if f >= 0 {
		u |= signMask
	} else {
		u = ^u
	}
	return EncodeUint(b, u)
}

// DecodeFloat decodes a value written by EncodeFloat and returns the rest.
func DecodeFloat(b []byte) ([]byte, float64, error) {
	rest, u, err := DecodeUint(b)
	if err != nil {
		return nil, 0, fmt.Errorf("decode float: %w", ErrInsufficientData)
	}
	if u&signMask > 0 {
		u &^= signMask
	} else {
		u = ^u
	}
	return rest, math.Float64frombits(u), nil
}
