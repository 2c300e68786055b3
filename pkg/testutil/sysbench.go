package testutil

import (
	"math/rand/v2"
	"strings"
)

// SysbenchDigits is a sysbench-style string value: groups of 11 random
// digits joined by '-' (sysbench's c column is 10 groups, pad 5). The
// loader and drainer benchmarks use it so that their rows are alike.
func SysbenchDigits(r *rand.Rand, groups int) string {
	var b strings.Builder
	b.Grow(groups * 12)
	for g := 0; g < groups; g++ {
		if g > 0 {
			b.WriteByte('-')
		}
		for i := 0; i < 11; i++ {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
	}
	return b.String()
}
