package pump

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBufferPoolSizes(t *testing.T) {
	var p bufferPool
	for _, tc := range []struct{ n, wantCap int }{
		{0, 256}, {1, 256}, {256, 256}, {257, 512}, {100 << 10, 128 << 10}, {1 << 20, 1 << 20},
		{64 << 20, 64 << 20}, {64<<20 + 1, 64<<20 + 1},
	} {
		b := p.Get(tc.n)
		require.Len(t, *b, tc.n)
		require.Equal(t, tc.wantCap, cap(*b), "Get(%d)", tc.n)
		p.Put(b)
	}
}

func TestBufferPoolReusesByClass(t *testing.T) {
	var p bufferPool
	b := p.Get(3000)
	require.Equal(t, 4096, cap(*b))
	// sync.Pool keeps nothing for sure: under the race detector it drops a
	// quarter of the buffers put back, and a GC may clear it. So the buffer
	// is put back on every try (each try fails with probability 1/4 at
	// most), and only a reuse by another size of the same class is checked.
	reused := false
	for range 100 {
		p.Put(b)
		c := p.Get(4096)
		require.Len(t, *c, 4096)
		require.Equal(t, 4096, cap(*c))
		if &(*c)[:1][0] == &(*b)[:1][0] {
			reused = true
			break
		}
	}
	require.True(t, reused, "a 4 KiB buffer put back was never handed out again")
}

func TestBufferPoolIgnoresForeignBuffers(t *testing.T) {
	var p bufferPool
	odd := make([]byte, 1000) // not a pooled size
	p.Put(&odd)
	for range 10 {
		b := p.Get(1000)
		require.Equal(t, 1024, cap(*b))
	}
}
