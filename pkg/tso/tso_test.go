package tso

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestComposeAndSplit(t *testing.T) {
	const ts int64 = 1568101536391<<18 | 4
	require.Equal(t, int64(1568101536391), Physical(ts))
	require.Equal(t, int64(4), Logical(ts))
	require.Equal(t, ts, Compose(Physical(ts), Logical(ts)))
	require.Equal(t, time.UnixMilli(1568101536391), ToTime(ts))
	require.Equal(t, ts-4, FromTime(ToTime(ts)))
	require.Equal(t, int64(5), Logical(Compose(1, 1<<PhysicalShiftBits+5)), "the logical part is masked")
}

func TestSpan(t *testing.T) {
	require.Equal(t, int64(600_000)<<18, Span(600*time.Second), "the original's GC margin: 10 minutes")
	ts := FromTime(time.UnixMilli(1_000_000))
	require.Equal(t, time.UnixMilli(1_003_000), ToTime(ts+Span(3*time.Second)))
}
