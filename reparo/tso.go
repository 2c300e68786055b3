package reparo

import (
	"fmt"
	"time"
)

// physicalShiftBits is the number of logical bits of a TSO.
const physicalShiftBits = 18

// DatetimeToTSO converts a "2006-01-02 15:04:05" time in loc into the TSO
// of its first logical tick: unix milliseconds << 18 (SPEC 7).
func DatetimeToTSO(s string, loc *time.Location) (int64, error) {
	t, err := time.ParseInLocation(timeFormat, s, loc)
	if err != nil {
		return 0, fmt.Errorf("parse datetime %q (want %q): %w", s, timeFormat, err)
	}
	return t.UnixMilli() << physicalShiftBits, nil
}

// TSOToTime returns the wall-clock time of a TSO's physical part.
func TSOToTime(ts int64) time.Time {
	return time.UnixMilli(ts >> physicalShiftBits)
}
