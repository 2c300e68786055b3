package pd

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestComposeAndExtract(t *testing.T) {
	for _, c := range []struct{ physical, logical int64 }{
		{0, 0}, {1, 1}, {1_700_000_000_000, 0}, {1_700_000_000_000, 1<<18 - 1}, {1<<45 - 1, 12345},
	} {
		ts := ComposeTS(c.physical, c.logical)
		require.Equal(t, c.physical, ExtractPhysical(ts))
		require.Equal(t, c.logical, ExtractLogical(ts))
	}
	// A known value: TiDB's oracle.ComposeTS(1600000000000, 5).
	require.Equal(t, int64(419430400000000005), ComposeTS(1_600_000_000_000, 5))
}

func TestTimeConversions(t *testing.T) {
	now := time.UnixMilli(1_700_000_123_456)
	ts := TimeToTS(now)
	require.Equal(t, int64(0), ExtractLogical(ts))
	require.True(t, TSToTime(ts).Equal(now))
	require.True(t, TSToTime(ts+1000).Equal(now), "logical part does not change the time")
	require.Less(t, TimeToTS(now), TimeToTS(now.Add(time.Millisecond)))
}
