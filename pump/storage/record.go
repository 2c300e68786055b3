package storage

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// Value-log framing (see FORMAT.md).
const (
	recordMagic      uint32 = 0x823a56e8
	fileEndMagic     uint32 = 0x123ab922
	recordHeaderSize        = 16 // magic u32 | length u64 | crc32c u32
	footerSize              = 12 // maxTS i64 | fileEndMagic u32
	pointerSize             = 12 // fid u32 | offset u64
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// appendRecord appends the framed payload to dst.
func appendRecord(dst, payload []byte) []byte {
	return append(appendRecordHeader(dst, payload), payload...)
}

// appendRecordHeader appends the header of payload's record.
func appendRecordHeader(dst, payload []byte) []byte {
	var h [recordHeaderSize]byte
	binary.LittleEndian.PutUint32(h[0:], recordMagic)
	binary.LittleEndian.PutUint64(h[4:], uint64(len(payload)))
	binary.LittleEndian.PutUint32(h[12:], crc32.Checksum(payload, crcTable))
	return append(dst, h[:]...)
}

// recordSize is the framed size of a payload of n bytes.
func recordSize(n int) int64 { return recordHeaderSize + int64(n) }

// decodeHeader checks the magic and returns the payload length and checksum.
func decodeHeader(b []byte) (length uint64, sum uint32, err error) {
	if len(b) < recordHeaderSize {
		return 0, 0, errTruncated
	}
	if binary.LittleEndian.Uint32(b) != recordMagic {
		return 0, 0, errBadMagic
	}
	return binary.LittleEndian.Uint64(b[4:]), binary.LittleEndian.Uint32(b[12:]), nil
}

// decodeRecord decodes the record at the start of b. It returns the payload
// (aliasing b) and the framed size.
func decodeRecord(b []byte) (payload []byte, n int64, err error) {
	length, sum, err := decodeHeader(b)
	if err != nil {
		return nil, 0, err
	}
	if length > uint64(len(b)-recordHeaderSize) {
		return nil, 0, errTruncated
	}
	payload = b[recordHeaderSize : recordHeaderSize+int(length)]
	if crc32.Checksum(payload, crcTable) != sum {
		return nil, 0, errBadChecksum
	}
	return payload, recordSize(len(payload)), nil
}

// appendFooter appends a file footer.
func appendFooter(dst []byte, maxTS int64) []byte {
	var f [footerSize]byte
	binary.LittleEndian.PutUint64(f[0:], uint64(maxTS))
	binary.LittleEndian.PutUint32(f[8:], fileEndMagic)
	return append(dst, f[:]...)
}

// decodeFooter reports whether b (the last 12 bytes of a file) is a footer.
func decodeFooter(b []byte) (maxTS int64, ok bool) {
	if len(b) != footerSize || binary.LittleEndian.Uint32(b[8:]) != fileEndMagic {
		return 0, false
	}
	return int64(binary.LittleEndian.Uint64(b)), true
}

// valuePointer locates a record: file id and offset of its header.
type valuePointer struct {
	fid    uint32
	offset int64
}

func (p valuePointer) less(o valuePointer) bool {
	if p.fid != o.fid {
		return p.fid < o.fid
	}
	return p.offset < o.offset
}

func (p valuePointer) encode(dst []byte) []byte {
	var b [pointerSize]byte
	binary.LittleEndian.PutUint32(b[0:], p.fid)
	binary.LittleEndian.PutUint64(b[4:], uint64(p.offset))
	return append(dst, b[:]...)
}

var errBadPointer = errors.New("storage: bad value pointer")

func decodePointer(b []byte) (valuePointer, error) {
	if len(b) < pointerSize {
		return valuePointer{}, errBadPointer
	}
	return valuePointer{
		fid:    binary.LittleEndian.Uint32(b),
		offset: int64(binary.LittleEndian.Uint64(b[4:])),
	}, nil
}

// KV keys (see FORMAT.md).
var (
	gcTSKey          = []byte("!binlog!gcts")
	maxCommitTSKey   = []byte("!binlog!maxCommitTS")
	handlePointerKey = []byte("!binlog!handlePointer")
	headPointerKey   = []byte("!binlog!headPointer")
	tsKeyPrefix      = []byte("ts:")
)

const tsKeySize = 3 + 8

// appendTSKey appends "ts:" + u64 BE(ts) to dst.
func appendTSKey(dst []byte, ts int64) []byte {
	dst = append(dst, tsKeyPrefix...)
	return binary.BigEndian.AppendUint64(dst, uint64(ts))
}

func tsKey(ts int64) []byte { return appendTSKey(make([]byte, 0, tsKeySize), ts) }

// decodeTSKey returns the ts of a "ts:" key.
func decodeTSKey(k []byte) (int64, bool) {
	if len(k) != tsKeySize || string(k[:3]) != string(tsKeyPrefix) {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(k[3:])), true
}

func encodeInt64(v int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }

func decodeInt64(b []byte) (int64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	return int64(binary.LittleEndian.Uint64(b)), true
}
