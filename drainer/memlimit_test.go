package drainer

import (
	"os"
	"runtime/debug"
	"testing"

	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/stretchr/testify/require"
)

func TestSoftMemoryLimit(t *testing.T) {
	cfg := DefaultConfig()
	require.EqualValues(t, 320<<20, SoftMemoryLimit(cfg), "256 MiB and a quarter")
	cfg.MemoryLimit = config.ByteSize(64 << 20)
	require.EqualValues(t, 128<<20, SoftMemoryLimit(cfg), "at least 64 MiB of headroom")
	cfg.MemoryLimit = 0
	require.EqualValues(t, 320<<20, SoftMemoryLimit(cfg), "0: the default")
}

func TestApplySoftMemoryLimitLeavesGOMEMLIMIT(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	cfg := DefaultConfig()

	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetMemoryLimit(1 << 30)
	limit, fromEnv := ApplySoftMemoryLimit(cfg)
	require.True(t, fromEnv)
	require.EqualValues(t, 1<<30, limit)
	require.EqualValues(t, 1<<30, debug.SetMemoryLimit(-1))
}

func TestApplySoftMemoryLimitFromConfig(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
	t.Setenv("GOMEMLIMIT", "restored after the test")
	require.NoError(t, os.Unsetenv("GOMEMLIMIT"))
	cfg := DefaultConfig()
	limit, fromEnv := ApplySoftMemoryLimit(cfg)
	require.False(t, fromEnv)
	require.Equal(t, SoftMemoryLimit(cfg), limit)
	require.Equal(t, limit, debug.SetMemoryLimit(-1))
}
