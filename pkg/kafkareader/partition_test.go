package kafkareader

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFIFO: messages come out in order, bytes are counted, popped
// messages are not kept by the array.
func TestFIFO(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	var q fifo
	var want []*Message
	next, bytes := int64(0), 0
	for range 10_000 {
		if r.IntN(3) > 0 || q.len() == 0 {
			m := &Message{Offset: next, Size: r.IntN(100)}
			next++
			q.push(m)
			want = append(want, m)
			bytes += m.Size
		} else {
			require.Same(t, want[0], q.head())
			bytes -= want[0].Size
			want = want[1:]
			q.pop()
		}
		require.Equal(t, len(want), q.len())
		require.Equal(t, bytes, q.bytes)
		for i, m := range q.buf {
			if (i >= q.first) != (m != nil) {
				t.Fatalf("slot %d of %d (first %d) holds %v", i, len(q.buf), q.first, m)
			}
		}
	}
	for q.len() > 0 {
		q.pop()
	}
	require.Nil(t, q.head())
	require.Zero(t, q.bytes)
}
