package codec

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// Enum is an ENUM value: the element name and its 1-based index (0 for the
// empty "error" value).
type Enum struct {
	Name  string
	Value uint64
}

// String returns the element name.
func (e Enum) String() string { return e.Name }

// ParseEnumValue returns element number v (1-based) of elems.
func ParseEnumValue(elems []string, v uint64) (Enum, error) {
	if v == 0 || v > uint64(len(elems)) {
		return Enum{}, fmt.Errorf("enum index %d of %d elements: %w", v, len(elems), ErrOverflow)
	}
	return Enum{Name: elems[v-1], Value: v}, nil
}

// ParseEnumName returns the element named name (exact match first, then
// case-insensitive with trailing spaces ignored); a decimal number is taken as
// the index.
func ParseEnumName(elems []string, name string) (Enum, error) {
	for i, e := range elems {
		if e == name {
			return Enum{Name: e, Value: uint64(i) + 1}, nil
		}
	}
	trimmed := strings.TrimRight(name, " ")
	for i, e := range elems {
		if strings.EqualFold(strings.TrimRight(e, " "), trimmed) {
			return Enum{Name: e, Value: uint64(i) + 1}, nil
		}
	}
	if n, err := strconv.ParseUint(name, 10, 64); err == nil {
		return ParseEnumValue(elems, n)
	}
	return Enum{}, fmt.Errorf("enum name %q not in %v: %w", name, elems, ErrOverflow)
}

// Set is a SET value: the comma-separated element names and their bitmask.
type Set struct {
	Name  string
	Value uint64
}

// String returns the element names.
func (s Set) String() string { return s.Name }

// ParseSetValue returns the set of elems selected by bitmask v.
func ParseSetValue(elems []string, v uint64) (Set, error) {
	if len(elems) < 64 && v >= 1<<uint(len(elems)) {
		return Set{}, fmt.Errorf("set bitmask %#x for %d elements: %w", v, len(elems), ErrOverflow)
	}
	names := make([]string, 0, len(elems))
	for i, e := range elems {
		if i < 64 && v&(1<<uint(i)) != 0 {
			names = append(names, e)
		}
	}
	return Set{Name: strings.Join(names, ","), Value: v}, nil
}

// ParseSetName parses comma-separated element names (case-insensitive, any
// order) into a Set; a decimal number is taken as the bitmask.
func ParseSetName(elems []string, name string) (Set, error) {
	if name == "" {
		return Set{}, nil
	}
	var v uint64
	for _, item := range strings.Split(name, ",") {
		found := false
		for i, e := range elems {
			if i < 64 && strings.EqualFold(strings.TrimRight(e, " "), strings.TrimRight(item, " ")) {
				v |= 1 << uint(i)
				found = true
				break
			}
		}
		if !found {
			if n, err := strconv.ParseUint(name, 10, 64); err == nil {
				return ParseSetValue(elems, n)
			}
			return Set{}, fmt.Errorf("set item %q not in %v: %w", item, elems, ErrOverflow)
		}
	}
	return ParseSetValue(elems, v)
}

// BinaryLiteral is the big-endian byte form of a BIT value or a 0x/b” literal.
type BinaryLiteral []byte

// NewBinaryLiteralFromUint returns v in byteSize bytes; byteSize <= 0 means the
// fewest bytes (at least one).
func NewBinaryLiteralFromUint(v uint64, byteSize int) BinaryLiteral {
	if byteSize <= 0 {
		byteSize = 1
		for x := v >> 8; x > 0; x >>= 8 {
			byteSize++
		}
	}
	b := make([]byte, byteSize)
	for i := byteSize - 1; i >= 0 && v > 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return b
}

// ToUint64 returns the literal as an integer; more than 8 significant bytes
// is ErrOverflow.
func (b BinaryLiteral) ToUint64() (uint64, error) {
	i := 0
	for i < len(b) && b[i] == 0 {
		i++
	}
	if len(b)-i > 8 {
		return 0, fmt.Errorf("binary literal of %d bytes: %w", len(b)-i, ErrOverflow)
	}
	var v uint64
	for _, c := range b[i:] {
		v = v<<8 | uint64(c)
	}
	return v, nil
}

// String returns the literal as "0x" followed by lower-case hex digits.
func (b BinaryLiteral) String() string { return "0x" + hex.EncodeToString(b) }
