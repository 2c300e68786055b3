package pd

import (
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/tso"
)

// The timestamp helpers of this package are those of pkg/tso, under the
// names its callers know; the bit arithmetic lives only there.

// ComposeTS builds a timestamp from a physical time in milliseconds and a
// logical counter: physicalMs<<18 | logical (tso.Compose).
func ComposeTS(physicalMs, logical int64) int64 { return tso.Compose(physicalMs, logical) }

// ExtractPhysical returns the physical part (Unix milliseconds) of ts.
func ExtractPhysical(ts int64) int64 { return tso.Physical(ts) }

// ExtractLogical returns the logical part of ts.
func ExtractLogical(ts int64) int64 { return tso.Logical(ts) }

// TSToTime converts the physical part of ts to a time.
func TSToTime(ts int64) time.Time { return tso.ToTime(ts) }

// TimeToTS returns the smallest timestamp of t's millisecond (logical 0).
func TimeToTS(t time.Time) int64 { return tso.FromTime(t) }
