package pd

import "time"

// physicalShiftBits is the number of bits of the logical part of a TSO.
const physicalShiftBits = 18

// logicalMask selects the logical part of a TSO.
const logicalMask = 1<<physicalShiftBits - 1

// ComposeTS builds a timestamp from a physical time in milliseconds and a
// logical counter: physicalMs<<18 | logical.
func ComposeTS(physicalMs, logical int64) int64 {
	return physicalMs<<physicalShiftBits | logical&logicalMask
}

// ExtractPhysical returns the physical part (Unix milliseconds) of ts.
func ExtractPhysical(ts int64) int64 { return ts >> physicalShiftBits }

// ExtractLogical returns the logical part of ts.
func ExtractLogical(ts int64) int64 { return ts & logicalMask }

// TSToTime converts the physical part of ts to a time.
func TSToTime(ts int64) time.Time { return time.UnixMilli(ExtractPhysical(ts)) }

// TimeToTS returns the smallest timestamp of t's millisecond (logical 0).
func TimeToTS(t time.Time) int64 { return ComposeTS(t.UnixMilli(), 0) }
