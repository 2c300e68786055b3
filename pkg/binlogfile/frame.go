package binlogfile

import (
	"encoding/binary"
	"hash/crc32"
)

// Frame layout constants.
const (
	// Magic starts every frame (written little-endian: 04 05 1b 1c).
	Magic uint32 = 0x1C1B0504
	// HeaderSize is the size of magic and length.
	HeaderSize = 12
	// TrailerSize is the size of the checksum after the payload.
	TrailerSize = 4
	// FrameOverhead is the number of bytes a frame adds to its payload.
	FrameOverhead = HeaderSize + TrailerSize
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// AppendFrame appends the frame of payload to dst and returns the result.
func AppendFrame(dst, payload []byte) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, Magic)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(len(payload)))
	dst = append(dst, payload...)
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(payload, crcTable))
}

// frameHeader decodes the header in b (at least HeaderSize bytes): whether
// the magic matches and the payload length.
func frameHeader(b []byte) (ok bool, length uint64) {
	if binary.LittleEndian.Uint32(b) != Magic {
		return false, 0
	}
	return true, binary.LittleEndian.Uint64(b[4:])
}

// checkBody reports whether body (payload followed by the checksum) is
// intact.
func checkBody(body []byte) bool {
	n := len(body) - TrailerSize
	return crc32.Checksum(body[:n], crcTable) == binary.LittleEndian.Uint32(body[n:])
}
