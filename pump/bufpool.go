package pump

import (
	"math/bits"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc/mem"
)

// Buffer sizes pooled by bufferPool: powers of two from 256 B to 64 MiB.
// Larger buffers are allocated each time.
const (
	minPoolShift = 8
	maxPoolShift = 26
)

// bufferPool is the gRPC server's pool of receive buffers. gRPC's default
// pool has five size classes, up to 1 MiB, and zeroes a buffer before
// handing it out again: a 100 KiB WriteBinlog request took a 1 MiB buffer
// and cleared all of it, which cost 11% of the pump's CPU with 100 KiB
// binlogs. This pool has a class for every power of two and does not clear
// buffers: gRPC reads a whole message into the buffer before anything reads
// it; a request's payload is decoded into a copy that no pool knows
// (unmarshalWriteReq); a pulled payload is sent from where the storage
// holds it (serverCodec), never kept in a pooled buffer. No payload the
// pump keeps (the writer queue, the recent-records cache, the pull merge,
// the stream send) lives in a pooled buffer: the package's tests run with
// a pool that poisons every buffer put back (TestMain), and
// TestPooledBuffersNotAliasedByPayloads and
// TestWritePayloadsOutlivePooledBuffers check the payloads after more
// traffic. So not clearing is safe, and it is kept for the 11% of CPU
// above.
type bufferPool struct {
	classes [maxPoolShift + 1]sync.Pool
	// poison, set by the package's tests, fills every buffer put back with
	// poisonByte: a payload still aliasing one then reads as garbage,
	// whether or not sync.Pool hands that buffer out again.
	poison atomic.Bool
}

const poisonByte = 0xAA

var _ mem.BufferPool = (*bufferPool)(nil)

// grpcBuffers is the pool of the pump's gRPC server (and, once
// cmd/pump installs it, of every gRPC codec and client in the process).
var grpcBuffers = &bufferPool{}

// BufferPool returns the pump's gRPC buffer pool. cmd/pump makes it gRPC's
// default at init (experimental.SetDefaultBufferPool), because the proto
// codec takes the buffers for encoding responses and for joining a request
// received in several frames from the default pool, which has the same
// faults: a 100 KiB PullBinlogs response zeroed a 1 MiB buffer.
func BufferPool() mem.BufferPool { return grpcBuffers }

// sizeClass returns the shift of the smallest pooled size >= n, or -1 when
// n is above the largest.
func sizeClass(n int) int {
	shift := max(minPoolShift, bits.Len(uint(max(n, 1)-1)))
	if shift > maxPoolShift {
		return -1
	}
	return shift
}

// Get returns a buffer of length n; its content is undefined.
func (p *bufferPool) Get(n int) *[]byte {
	shift := sizeClass(n)
	if shift < 0 {
		b := make([]byte, n)
		return &b
	}
	if b, ok := p.classes[shift].Get().(*[]byte); ok {
		*b = (*b)[:n]
		return b
	}
	b := make([]byte, n, 1<<shift)
	return &b
}

// Put keeps b for reuse if its capacity is one of the pooled sizes.
func (p *bufferPool) Put(b *[]byte) {
	c := cap(*b)
	if p.poison.Load() {
		whole := (*b)[:c]
		for i := range whole {
			whole[i] = poisonByte
		}
	}
	shift := sizeClass(c)
	if shift < 0 || 1<<shift != c {
		return
	}
	*b = (*b)[:0]
	p.classes[shift].Put(b)
}
