package codec

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// Binary JSON type codes (the byte written after jsonFlag).
const (
	JSONTypeCodeObject    byte = 0x01
	JSONTypeCodeArray     byte = 0x03
	JSONTypeCodeLiteral   byte = 0x04
	JSONTypeCodeInt64     byte = 0x09
	JSONTypeCodeUint64    byte = 0x0a
	JSONTypeCodeFloat64   byte = 0x0b
	JSONTypeCodeString    byte = 0x0c
	JSONTypeCodeOpaque    byte = 0x0d
	JSONTypeCodeDate      byte = 0x0e
	JSONTypeCodeDatetime  byte = 0x0f
	JSONTypeCodeTimestamp byte = 0x10
	JSONTypeCodeDuration  byte = 0x11
)

// Binary JSON literals.
const (
	JSONLiteralNil   byte = 0x00
	JSONLiteralTrue  byte = 0x01
	JSONLiteralFalse byte = 0x02
)

const (
	jsonHeaderSize   = 8 // element count + total size, uint32 little-endian each
	jsonKeyEntrySize = 6 // key offset uint32 + key length uint16
	jsonValEntrySize = 5 // type code + offset or inlined literal
	maxJSONDepth     = 100
	maxJSONDecDepth  = 128 // decoder limit, a little above what TiDB writes
)

// BinaryJSON is a JSON document in TiDB's binary format (MySQL 5.7's layout,
// little-endian, literals inlined): TypeCode is the type of the top-level
// value and Value its bytes.
type BinaryJSON struct {
	TypeCode byte
	Value    []byte
}

// String returns the document as TiDB prints it ({"a": 1, "b": [true, null]}).
// An invalid document prints as an empty string.
func (bj BinaryJSON) String() string {
	out, err := bj.MarshalJSON()
	if err != nil {
		return ""
	}
	return string(out)
}

// MarshalJSON implements json.Marshaler with TiDB's text form.
func (bj BinaryJSON) MarshalJSON() ([]byte, error) {
	if err := validateJSON(bj.TypeCode, bj.Value, 0); err != nil {
		return nil, err
	}
	return bj.appendText(make([]byte, 0, len(bj.Value)*3/2+2)), nil
}

// peekJSONLen returns the length of the value of type tc at the front of b.
func peekJSONLen(tc byte, b []byte) (int, error) {
	need := 0
	switch tc {
	case JSONTypeCodeObject, JSONTypeCodeArray:
		if len(b) < jsonHeaderSize {
			return 0, fmt.Errorf("json container header: %w", ErrInsufficientData)
		}
		need = int(binary.LittleEndian.Uint32(b[4:]))
	case JSONTypeCodeLiteral:
		need = 1
	case JSONTypeCodeInt64, JSONTypeCodeUint64, JSONTypeCodeFloat64,
		JSONTypeCodeDate, JSONTypeCodeDatetime, JSONTypeCodeTimestamp:
		need = 8
	case JSONTypeCodeDuration:
		need = 12
	case JSONTypeCodeString:
		n, l := binary.Uvarint(b)
		if l <= 0 || n > uint64(len(b)) {
			return 0, fmt.Errorf("json string length: %w", ErrInsufficientData)
		}
		need = l + int(n)
	case JSONTypeCodeOpaque:
		if len(b) < 1 {
			return 0, fmt.Errorf("json opaque: %w", ErrInsufficientData)
		}
		n, l := binary.Uvarint(b[1:])
		if l <= 0 || n > uint64(len(b)) {
			return 0, fmt.Errorf("json opaque length: %w", ErrInsufficientData)
		}
		need = 1 + l + int(n)
	default:
		return 0, fmt.Errorf("json type code %#x: %w", tc, ErrInvalidJSON)
	}
	if need > len(b) || need < 0 {
		return 0, fmt.Errorf("json value of type %#x needs %d bytes, have %d: %w", tc, need, len(b), ErrInsufficientData)
	}
	return need, nil
}

// validateJSON checks that v is exactly one valid value of type tc.
func validateJSON(tc byte, v []byte, depth int) error {
	if depth > maxJSONDecDepth {
		return fmt.Errorf("json nested deeper than %d: %w", maxJSONDecDepth, ErrInvalidJSON)
	}
	n, err := peekJSONLen(tc, v)
	if err != nil {
		return err
	}
	if n != len(v) {
		return fmt.Errorf("json value of type %#x is %d bytes, %d given: %w", tc, n, len(v), ErrInvalidJSON)
	}
	switch tc {
	case JSONTypeCodeLiteral:
		if v[0] > JSONLiteralFalse {
			return fmt.Errorf("json literal %#x: %w", v[0], ErrInvalidJSON)
		}
	case JSONTypeCodeFloat64:
		if f := math.Float64frombits(binary.LittleEndian.Uint64(v)); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("json float %v: %w", f, ErrInvalidJSON)
		}
	case JSONTypeCodeObject, JSONTypeCodeArray:
		return validateJSONContainer(tc, v, depth)
	}
	return nil
}

func validateJSONContainer(tc byte, v []byte, depth int) error {
	count := uint64(binary.LittleEndian.Uint32(v))
	size := uint64(len(v))
	keyEntries := uint64(0)
	if tc == JSONTypeCodeObject {
		keyEntries = count * jsonKeyEntrySize
	}
	if jsonHeaderSize+keyEntries+count*jsonValEntrySize > size {
		return fmt.Errorf("json container of %d elements in %d bytes: %w", count, size, ErrInvalidJSON)
	}
	for i := range count {
		if tc == JSONTypeCodeObject {
			e := jsonHeaderSize + i*jsonKeyEntrySize
			off := uint64(binary.LittleEndian.Uint32(v[e:]))
			l := uint64(binary.LittleEndian.Uint16(v[e+4:]))
			if off+l > size || !utf8.Valid(v[off:off+l]) {
				return fmt.Errorf("json object key %d: %w", i, ErrInvalidJSON)
			}
		}
		e := jsonHeaderSize + keyEntries + i*jsonValEntrySize
		if err := validateJSONEntry(v, v[e], uint64(binary.LittleEndian.Uint32(v[e+1:])), depth); err != nil {
			return err
		}
	}
	return nil
}

func validateJSONEntry(container []byte, tc byte, off uint64, depth int) error {
	if tc == JSONTypeCodeLiteral {
		if off > uint64(JSONLiteralFalse) {
			return fmt.Errorf("json inlined literal %#x: %w", off, ErrInvalidJSON)
		}
		return nil
	}
	if off >= uint64(len(container)) {
		return fmt.Errorf("json value offset %d beyond %d bytes: %w", off, len(container), ErrInvalidJSON)
	}
	sub := container[off:]
	n, err := peekJSONLen(tc, sub)
	if err != nil {
		return err
	}
	return validateJSON(tc, sub[:n], depth+1)
}

// elem returns the i-th value of a validated container (keyEntries is the
// size of the key entries, 0 for arrays).
func (bj BinaryJSON) elem(i, keyEntries int) BinaryJSON {
	e := jsonHeaderSize + keyEntries + i*jsonValEntrySize
	tc := bj.Value[e]
	if tc == JSONTypeCodeLiteral {
		return BinaryJSON{TypeCode: tc, Value: bj.Value[e+1 : e+2]}
	}
	sub := bj.Value[binary.LittleEndian.Uint32(bj.Value[e+1:]):]
	n, _ := peekJSONLen(tc, sub)
	return BinaryJSON{TypeCode: tc, Value: sub[:n]}
}

func (bj BinaryJSON) key(i int) []byte {
	e := jsonHeaderSize + i*jsonKeyEntrySize
	off := binary.LittleEndian.Uint32(bj.Value[e:])
	l := binary.LittleEndian.Uint16(bj.Value[e+4:])
	return bj.Value[off : off+uint32(l)]
}

// appendText appends the text form of a validated document.
func (bj BinaryJSON) appendText(buf []byte) []byte {
	v := bj.Value
	switch bj.TypeCode {
	case JSONTypeCodeLiteral:
		return append(buf, [...]string{"null", "true", "false"}[v[0]]...)
	case JSONTypeCodeInt64:
		return strconv.AppendInt(buf, int64(binary.LittleEndian.Uint64(v)), 10)
	case JSONTypeCodeUint64:
		return strconv.AppendUint(buf, binary.LittleEndian.Uint64(v), 10)
	case JSONTypeCodeFloat64:
		return appendJSONFloat(buf, math.Float64frombits(binary.LittleEndian.Uint64(v)))
	case JSONTypeCodeString:
		n, l := binary.Uvarint(v)
		return appendJSONString(buf, v[l:l+int(n)])
	case JSONTypeCodeOpaque:
		n, l := binary.Uvarint(v[1:])
		data := v[1+l : 1+l+int(n)]
		return fmt.Appendf(buf, `"base64:type%d:%s"`, v[0], base64.StdEncoding.EncodeToString(data))
	case JSONTypeCodeDate, JSONTypeCodeDatetime, JSONTypeCodeTimestamp:
		tp := model.TypeDate
		if bj.TypeCode == JSONTypeCodeDatetime {
			tp = model.TypeDatetime
		} else if bj.TypeCode == JSONTypeCodeTimestamp {
			tp = model.TypeTimestamp
		}
		return appendJSONString(buf, []byte(fromCoreTime(binary.LittleEndian.Uint64(v), tp).String()))
	case JSONTypeCodeDuration:
		d := Duration{Duration: time.Duration(binary.LittleEndian.Uint64(v)), Fsp: MaxFsp}
		return appendJSONString(buf, []byte(d.String()))
	case JSONTypeCodeArray:
		return bj.appendContainer(buf, '[', ']', 0)
	case JSONTypeCodeObject:
		return bj.appendContainer(buf, '{', '}', int(binary.LittleEndian.Uint32(v))*jsonKeyEntrySize)
	}
	return buf
}

func (bj BinaryJSON) appendContainer(buf []byte, open, closing byte, keyEntries int) []byte {
	count := int(binary.LittleEndian.Uint32(bj.Value))
	buf = append(buf, open)
	for i := range count {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		if keyEntries > 0 {
			buf = appendJSONString(buf, bj.key(i))
			buf = append(buf, ": "...)
		}
		buf = bj.elem(i, keyEntries).appendText(buf)
	}
	return append(buf, closing)
}

// appendJSONFloat formats like ECMAScript: plain digits for 1e-6 <= |f| < 1e21,
// otherwise exponent form without a zero-padded exponent.
func appendJSONFloat(buf []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	buf = strconv.AppendFloat(buf, f, format, -1, 64)
	if format == 'e' {
		n := len(buf)
		if n >= 4 && buf[n-4] == 'e' && buf[n-3] == '-' && buf[n-2] == '0' {
			buf[n-2] = buf[n-1]
			buf = buf[:n-1]
		}
	}
	return buf
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s: '"' and '\\' escaped, \n \r \t by name, other
// control bytes as \u00XX, invalid UTF-8 as \ufffd, U+2028/U+2029 escaped;
// HTML characters are not escaped.
func appendJSONString(buf, s []byte) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
