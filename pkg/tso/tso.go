package tso

import "time"

// PhysicalShiftBits is the number of bits of the logical part.
const PhysicalShiftBits = 18

// logicalMask selects the logical part.
const logicalMask = 1<<PhysicalShiftBits - 1

// Compose builds a timestamp from a physical time in Unix milliseconds and
// a logical counter.
func Compose(physicalMs, logical int64) int64 {
	return physicalMs<<PhysicalShiftBits | logical&logicalMask
}

// Physical returns the physical part (Unix milliseconds) of ts.
func Physical(ts int64) int64 { return ts >> PhysicalShiftBits }

// Logical returns the logical part of ts.
func Logical(ts int64) int64 { return ts & logicalMask }

// ToTime converts the physical part of ts to a time.
func ToTime(ts int64) time.Time { return time.UnixMilli(Physical(ts)) }

// FromTime returns the smallest timestamp of t's millisecond (logical 0).
func FromTime(t time.Time) int64 { return Compose(t.UnixMilli(), 0) }

// Span is d in timestamp units: ts + Span(d) is d after ts (to the
// millisecond).
func Span(d time.Duration) int64 { return d.Milliseconds() << PhysicalShiftBits }
