package drainer

import (
	"os"
	"runtime/debug"
)

// runtimeHeadroom is what the soft memory limit allows beyond memory-limit:
// a binlog received from each pump but not yet admitted to the budget, gRPC
// buffers, the schema and the runtime itself.
func runtimeHeadroom(budget int64) int64 { return max(budget/4, 64<<20) }

// SoftMemoryLimit is the Go runtime soft memory limit the drainer sets for
// cfg: memory-limit plus a quarter of it (at least 64 MiB) of headroom.
func SoftMemoryLimit(cfg *Config) int64 {
	b := int64(cfg.MemoryLimit)
	if b <= 0 {
		b = DefaultMemoryLimit
	}
	return b + runtimeHeadroom(b)
}

// ApplySoftMemoryLimit sets the runtime's soft memory limit to
// SoftMemoryLimit(cfg) so that the garbage collector works to the memory
// budget instead of letting the heap grow to twice the live bytes. It does
// nothing when the GOMEMLIMIT environment variable is set (the operator's
// choice wins) and reports the limit in force.
func ApplySoftMemoryLimit(cfg *Config) (limit int64, fromEnv bool) {
	if _, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		return debug.SetMemoryLimit(-1), true
	}
	limit = SoftMemoryLimit(cfg)
	debug.SetMemoryLimit(limit)
	return limit, false
}
