package codec

import "fmt"

const (
	encGroupSize = 8
	encMarker    = byte(0xFF)
	encPad       = byte(0x0)
)

// EncodeBytes appends data in memcomparable form: groups of 8 bytes, each
// followed by a marker byte 255-padCount, the last group zero-padded. It is
// used inside keys (bytesFlag) and for PD region boundaries.
func EncodeBytes(b []byte, data []byte) []byte {
	dLen := len(data)
	for idx := 0; idx <= dLen; idx += encGroupSize {
		remain := dLen - idx
		padCount := 0
		if remain >= encGroupSize {
			b = append(b, data[idx:idx+encGroupSize]...)
		} else {
			padCount = encGroupSize - remain
			b = append(b, data[idx:]...)
			for range padCount {
				b = append(b, encPad)
			}
		}
		b = append(b, encMarker-byte(padCount))
	}
	return b
}

// DecodeBytes decodes a value written by EncodeBytes, appending the data to
// buf, and returns the rest of b.
func DecodeBytes(b []byte, buf []byte) ([]byte, []byte, error) {
	data := buf[:0]
	for {
		if len(b) < encGroupSize+1 {
			return nil, nil, fmt.Errorf("decode memcomparable bytes: %w", ErrInsufficientData)
		}
		group, marker := b[:encGroupSize], b[encGroupSize]
		padCount := encMarker - marker
		if padCount > encGroupSize {
			return nil, nil, fmt.Errorf("decode memcomparable bytes: marker %#x: %w", marker, ErrCorrupted)
		}
		real := encGroupSize - int(padCount)
		data = append(data, group[:real]...)
		b = b[encGroupSize+1:]
		if padCount != 0 {
			for _, p := range group[real:] {
				if p != encPad {
					return nil, nil, fmt.Errorf("decode memcomparable bytes: padding: %w", ErrCorrupted)
				}
			}
			return b, data, nil
		}
	}
}

// EncodeCompactBytes appends data as a zigzag varint length followed by the
// raw bytes (compactBytesFlag payload).
func EncodeCompactBytes(b []byte, data []byte) []byte {
	b = EncodeVarint(b, int64(len(data)))
	return append(b, data...)
}

// DecodeCompactBytes decodes a value written by EncodeCompactBytes. The
// returned data aliases b.
func DecodeCompactBytes(b []byte) ([]byte, []byte, error) {
	rest, n, err := DecodeVarint(b)
	if err != nil {
		return nil, nil, fmt.Errorf("decode compact bytes length: %w", err)
	}
	if n < 0 {
		return nil, nil, fmt.Errorf("decode compact bytes: negative length %d: %w", n, ErrCorrupted)
	}
	if int64(len(rest)) < n {
		return nil, nil, fmt.Errorf("decode compact bytes: need %d bytes, have %d: %w", n, len(rest), ErrInsufficientData)
	}
	return rest[n:], rest[:n:n], nil
}
