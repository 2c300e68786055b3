package codec

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// ParseBinaryJSON parses JSON text into binary JSON as TiDB does: numbers
// become int64, else uint64, else float64; duplicate object keys keep the
// last value; object keys are sorted by bytes.
func ParseBinaryJSON(text string) (BinaryJSON, error) {
	data := []byte(text)
	if len(bytes.TrimSpace(data)) == 0 || !json.Valid(data) {
		return BinaryJSON{}, fmt.Errorf("parse json text: %w", ErrInvalidJSON)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return BinaryJSON{}, fmt.Errorf("parse json text: %w: %v", ErrInvalidJSON, err)
	}
	return CreateBinaryJSON(v)
}

// CreateBinaryJSON builds binary JSON from a Go value: nil, bool, int, int64,
// uint64, float64, json.Number, string, []any, map[string]any, BinaryJSON,
// Time (date/datetime/timestamp) or Duration.
func CreateBinaryJSON(v any) (BinaryJSON, error) {
	tc, buf, err := appendBinaryJSON(nil, v, 0)
	if err != nil {
		return BinaryJSON{}, err
	}
	return BinaryJSON{TypeCode: tc, Value: buf}, nil
}

func appendBinaryJSON(buf []byte, v any, depth int) (byte, []byte, error) {
	if depth > maxJSONDepth {
		return 0, nil, fmt.Errorf("json nested deeper than %d: %w", maxJSONDepth, ErrInvalidJSON)
	}
	switch x := v.(type) {
	case nil:
		return JSONTypeCodeLiteral, append(buf, JSONLiteralNil), nil
	case bool:
		if x {
			return JSONTypeCodeLiteral, append(buf, JSONLiteralTrue), nil
		}
		return JSONTypeCodeLiteral, append(buf, JSONLiteralFalse), nil
	case int:
		return JSONTypeCodeInt64, binary.LittleEndian.AppendUint64(buf, uint64(x)), nil
	case int64:
		return JSONTypeCodeInt64, binary.LittleEndian.AppendUint64(buf, uint64(x)), nil
	case uint64:
		return JSONTypeCodeUint64, binary.LittleEndian.AppendUint64(buf, x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, nil, fmt.Errorf("json float %v: %w", x, ErrInvalidJSON)
		}
		return JSONTypeCodeFloat64, binary.LittleEndian.AppendUint64(buf, math.Float64bits(x)), nil
	case json.Number:
		return appendJSONNumber(buf, x)
	case string:
		return JSONTypeCodeString, append(binary.AppendUvarint(buf, uint64(len(x))), x...), nil
	case BinaryJSON:
		if err := validateJSON(x.TypeCode, x.Value, depth); err != nil {
			return 0, nil, err
		}
		return x.TypeCode, append(buf, x.Value...), nil
	case Time:
		return jsonTimeCode(x.Type), binary.LittleEndian.AppendUint64(buf, x.toCoreTime()), nil
	case Duration:
		buf = binary.LittleEndian.AppendUint64(buf, uint64(x.Duration))
		return JSONTypeCodeDuration, binary.LittleEndian.AppendUint32(buf, uint32(x.Fsp)), nil
	case []any:
		b, err := appendJSONArray(buf, x, depth)
		return JSONTypeCodeArray, b, err
	case map[string]any:
		b, err := appendJSONObject(buf, x, depth)
		return JSONTypeCodeObject, b, err
	}
	return 0, nil, fmt.Errorf("json from %T: %w", v, ErrInvalidJSON)
}

func jsonTimeCode(tp byte) byte {
	switch tp {
	case model.TypeDatetime:
		return JSONTypeCodeDatetime
	case model.TypeTimestamp:
		return JSONTypeCodeTimestamp
	}
	return JSONTypeCodeDate
}

func appendJSONNumber(buf []byte, n json.Number) (byte, []byte, error) {
	s := n.String()
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return JSONTypeCodeInt64, binary.LittleEndian.AppendUint64(buf, uint64(i)), nil
	}
	if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		return JSONTypeCodeUint64, binary.LittleEndian.AppendUint64(buf, u), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, nil, fmt.Errorf("json number %q: %w", s, ErrInvalidJSON)
	}
	return JSONTypeCodeFloat64, binary.LittleEndian.AppendUint64(buf, math.Float64bits(f)), nil
}

func appendJSONArray(buf []byte, arr []any, depth int) ([]byte, error) {
	docOff := len(buf)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(arr)))
	buf = append(buf, 0, 0, 0, 0)
	entries := len(buf)
	buf = append(buf, make([]byte, len(arr)*jsonValEntrySize)...)
	for i, v := range arr {
		var err error
		if buf, err = appendJSONElem(buf, docOff, entries+i*jsonValEntrySize, v, depth); err != nil {
			return nil, err
		}
	}
	binary.LittleEndian.PutUint32(buf[docOff+4:], uint32(len(buf)-docOff))
	return buf, nil
}

func appendJSONObject(buf []byte, obj map[string]any, depth int) ([]byte, error) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		if len(k) > math.MaxUint16 {
			return nil, fmt.Errorf("json object key of %d bytes: %w", len(k), ErrInvalidJSON)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	docOff := len(buf)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(keys)))
	buf = append(buf, 0, 0, 0, 0)
	keyEntries := len(buf)
	buf = append(buf, make([]byte, len(keys)*jsonKeyEntrySize)...)
	valEntries := len(buf)
	buf = append(buf, make([]byte, len(keys)*jsonValEntrySize)...)
	for i, k := range keys {
		e := keyEntries + i*jsonKeyEntrySize
		binary.LittleEndian.PutUint32(buf[e:], uint32(len(buf)-docOff))
		binary.LittleEndian.PutUint16(buf[e+4:], uint16(len(k)))
		buf = append(buf, k...)
	}
	for i, k := range keys {
		var err error
		if buf, err = appendJSONElem(buf, docOff, valEntries+i*jsonValEntrySize, obj[k], depth); err != nil {
			return nil, err
		}
	}
	binary.LittleEndian.PutUint32(buf[docOff+4:], uint32(len(buf)-docOff))
	return buf, nil
}

// appendJSONElem appends v and fills its value entry at entryOff; literals
// are inlined in the entry.
func appendJSONElem(buf []byte, docOff, entryOff int, v any, depth int) ([]byte, error) {
	elemOff := len(buf)
	tc, buf, err := appendBinaryJSON(buf, v, depth+1)
	if err != nil {
		return nil, err
	}
	buf[entryOff] = tc
	if tc == JSONTypeCodeLiteral {
		lit := buf[elemOff]
		buf = buf[:elemOff]
		binary.LittleEndian.PutUint32(buf[entryOff+1:], uint32(lit))
		return buf, nil
	}
	binary.LittleEndian.PutUint32(buf[entryOff+1:], uint32(elemOff-docOff))
	return buf, nil
}
