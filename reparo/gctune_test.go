package reparo

import (
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestGCPercentFor(t *testing.T) {
	for live, want := range map[uint64]int{
		0:         gcMaxPercent,
		1 << 20:   gcMaxPercent,
		100 << 20: gcMaxPercent,  // 5 × live ≤ 512 MiB
		128 << 20: 300,           // a goal of 512 MiB
		256 << 20: gcBasePercent, // 2 × live = 512 MiB
		4 << 30:   gcBasePercent,
	} {
		require.Equal(t, want, gcPercentFor(live), "live %d", live)
	}
}

// gcPercent returns the current GOGC.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestTuneGC(t *testing.T) {
	t.Setenv("GOGC", "") // restored after the test
	require.NoError(t, os.Unsetenv("GOGC"))
	before := gcPercent()
	tu := startGCTuner()
	require.NotNil(t, tu)
	require.Equal(t, gcMaxPercent, gcPercent())
	// The tuner follows the collections, re-arming itself each time (the
	// finalizer runs after the collection that found its sentinel).
	require.Eventually(t, func() bool { runtime.GC(); return tu.collections() >= 2 }, 10*time.Second, time.Millisecond)
	require.Equal(t, gcMaxPercent, gcPercent(), "the test heap is small")
	tu.stop()
	require.Equal(t, before, gcPercent())
	n := tu.collections()
	runtime.GC()
	runtime.GC()
	require.Equal(t, n, tu.collections(), "stopped")
	tu.stop()
	require.Equal(t, before, gcPercent(), "a second stop changes nothing")
}

func TestTuneGCLeavesGOGCFromEnv(t *testing.T) {
	t.Setenv("GOGC", "100")
	before := gcPercent()
	require.Nil(t, startGCTuner())
	stop := TuneGC()
	require.Equal(t, before, gcPercent())
	stop()
	require.Equal(t, before, gcPercent())
}
