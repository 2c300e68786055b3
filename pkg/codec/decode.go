package codec

import (
	"encoding/binary"
	"fmt"
	"time"
)

// DecodeOne decodes the datum at the front of b (comparable or not) and
// returns the rest. Integer flags give KindInt64 or KindUint64, bytes flags
// KindBytes, durationFlag KindMysqlDuration (fsp 6), decimalFlag a decimal
// carrying the precision and frac it was written with. Bytes and JSON
// payloads alias b.
func DecodeOne(b []byte) ([]byte, Datum, error) {
	if len(b) < 1 {
		return nil, Datum{}, fmt.Errorf("decode datum: %w", ErrInsufficientData)
	}
	flag, b := b[0], b[1:]
	var (
		d   Datum
		err error
	)
	switch flag {
	case NilFlag:
	case IntFlag, VarintFlag:
		var v int64
		if flag == IntFlag {
			b, v, err = DecodeInt(b)
		} else {
			b, v, err = DecodeVarint(b)
		}
		d = NewIntDatum(v)
	case UintFlag, UvarintFlag:
		var v uint64
		if flag == UintFlag {
			b, v, err = DecodeUint(b)
		} else {
			b, v, err = DecodeUvarint(b)
		}
		d = NewUintDatum(v)
	case FloatFlag:
		var f float64
		b, f, err = DecodeFloat(b)
		d = NewFloat64Datum(f)
	case BytesFlag, CompactBytesFlag:
		var data []byte
		if flag == BytesFlag {
			b, data, err = DecodeBytes(b, nil)
		} else {
			b, data, err = DecodeCompactBytes(b)
		}
		d = NewBytesDatum(data)
	case DecimalFlag:
		var dec Decimal
		var precision, frac int
		b, dec, precision, frac, err = DecodeDecimal(b)
		d = NewDecimalDatumWithLength(dec, precision, frac)
	case DurationFlag:
		var v int64
		b, v, err = DecodeInt(b)
		d = NewDurationDatum(Duration{Duration: time.Duration(v), Fsp: MaxFsp})
	case JSONFlag:
		var j BinaryJSON
		b, j, err = decodeJSONPayload(b)
		d = NewJSONDatum(j)
	case MaxFlag:
		d = NewMaxValueDatum()
	default:
		return nil, Datum{}, fmt.Errorf("decode datum: flag %#x: %w", flag, ErrInvalidFlag)
	}
	if err != nil {
		return nil, Datum{}, fmt.Errorf("decode datum with flag %#x: %w", flag, err)
	}
	return b, d, nil
}

func decodeJSONPayload(b []byte) ([]byte, BinaryJSON, error) {
	if len(b) < 1 {
		return nil, BinaryJSON{}, fmt.Errorf("json type code: %w", ErrInsufficientData)
	}
	tc := b[0]
	n, err := peekJSONLen(tc, b[1:])
	if err != nil {
		return nil, BinaryJSON{}, err
	}
	v := b[1 : 1+n : 1+n]
	if err := validateJSON(tc, v, 0); err != nil {
		return nil, BinaryJSON{}, err
	}
	return b[1+n:], BinaryJSON{TypeCode: tc, Value: v}, nil
}

// DecodeValues decodes every datum in b.
func DecodeValues(b []byte) ([]Datum, error) {
	var ds []Datum
	for len(b) > 0 {
		rest, d, err := DecodeOne(b)
		if err != nil {
			return nil, err
		}
		ds = append(ds, d)
		b = rest
	}
	return ds, nil
}

// DecodeN decodes n datums from the front of b and returns the rest.
func DecodeN(b []byte, n int) ([]Datum, []byte, error) {
	ds := make([]Datum, 0, n)
	for range n {
		rest, d, err := DecodeOne(b)
		if err != nil {
			return nil, nil, err
		}
		ds = append(ds, d)
		b = rest
	}
	return ds, b, nil
}

// CutOne splits the encoded datum at the front of b (flag included) from the
// rest without decoding it.
func CutOne(b []byte) (data, rest []byte, err error) {
	n, err := peekDatum(b)
	if err != nil {
		return nil, nil, err
	}
	return b[:n:n], b[n:], nil
}

// peekDatum returns the length of the encoded datum at the front of b.
func peekDatum(b []byte) (int, error) {
	if len(b) < 1 {
		return 0, fmt.Errorf("cut datum: %w", ErrInsufficientData)
	}
	flag, p := b[0], b[1:]
	n := 0
	var err error
	switch flag {
	case NilFlag, MaxFlag:
	case IntFlag, UintFlag, FloatFlag, DurationFlag:
		n = 8
	case VarintFlag, UvarintFlag:
		_, n = binary.Uvarint(p)
		if n <= 0 {
			err = ErrInsufficientData
		}
	case CompactBytesFlag:
		var rest []byte
		if rest, _, err = DecodeCompactBytes(p); err == nil {
			n = len(p) - len(rest)
		}
	case BytesFlag:
		n, err = peekMemcomparableBytes(p)
	case DecimalFlag:
		if len(p) < 2 {
			err = ErrInsufficientData
		} else if err = checkPrecision(int(p[0]), int(p[1])); err == nil {
			n = 2 + DecimalBinSize(int(p[0]), int(p[1]))
		}
	case JSONFlag:
		if len(p) < 1 {
			err = ErrInsufficientData
		} else if n, err = peekJSONLen(p[0], p[1:]); err == nil {
			n++
		}
	default:
		err = ErrInvalidFlag
	}
	if err == nil && n > len(p) {
		err = ErrInsufficientData
	}
	if err != nil {
		return 0, fmt.Errorf("cut datum with flag %#x: %w", flag, err)
	}
	return 1 + n, nil
}

func peekMemcomparableBytes(b []byte) (int, error) {
	offset := 0
	for {
		if len(b) < offset+encGroupSize+1 {
			return 0, ErrInsufficientData
		}
		group, marker := b[offset:offset+encGroupSize], b[offset+encGroupSize]
		offset += encGroupSize + 1
		padCount := int(encMarker - marker)
		if padCount > encGroupSize {
			return 0, ErrCorrupted
		}
		if padCount > 0 {
			for _, p := range group[encGroupSize-padCount:] {
				if p != encPad {
					return 0, ErrCorrupted
				}
			}
			return offset, nil
		}
	}
}
