package reparo

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// A restore's heap is small (a few hundred binlogs read ahead and the
// loader's batches) while it allocates about 2 KiB a row, so with the
// default GOGC of 100 the collector runs every few MiB: 35 cycles for a
// 200,000-row sysbench restore, a fifth of the client's CPU on a machine it
// shares with the database. TuneGC lets such a heap grow up to
// gcHeapTarget before collecting: the heap goal is max(min(5 × live,
// 512 MiB), 2 × live), so a large heap is collected as with GOGC 100.
const (
	gcHeapTarget  = 512 << 20
	gcBasePercent = 100
	gcMaxPercent  = 400
)

// gcPercentFor returns the GOGC that lets a heap of live bytes grow to
// gcHeapTarget, within [gcBasePercent, gcMaxPercent].
func gcPercentFor(live uint64) int {
	if live == 0 {
		return gcMaxPercent
	}
	p := int64(gcHeapTarget*100/live) - 100
	return int(min(max(p, gcBasePercent), gcMaxPercent))
}

// TuneGC adjusts GOGC after every collection to gcPercentFor the live heap,
// for a process that runs a restore (cmd/reparo). It does nothing when the
// GOGC environment variable is set (the operator's choice wins). stop ends
// the tuning and restores the previous GOGC.
func TuneGC() (stop func()) {
	if t := startGCTuner(); t != nil {
		return t.stop
	}
	return func() {}
}

// startGCTuner starts tuning, or returns nil when GOGC is set.
func startGCTuner() *gcTuner {
	if _, ok := os.LookupEnv("GOGC"); ok {
		return nil
	}
	t := &gcTuner{percent: gcMaxPercent, sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	t.prev = debug.SetGCPercent(gcMaxPercent)
	t.arm()
	return t
}

// gcTuner is TuneGC's state, updated by a finalizer after each collection.
type gcTuner struct {
	mu      sync.Mutex
	stopped bool
	prev    int
	percent int
	adjusts int // collections followed
	sample  []metrics.Sample
}

// gcSentinel is garbage whose finalizer marks the end of a collection (it
// holds a pointer so that it is not batched with other tiny objects).
type gcSentinel struct{ _ *int }

func (t *gcTuner) arm() {
	runtime.SetFinalizer(new(gcSentinel), func(*gcSentinel) { t.adjust() })
}

func (t *gcTuner) adjust() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	t.adjusts++
	metrics.Read(t.sample)
	if v := t.sample[0].Value; v.Kind() == metrics.KindUint64 {
		if p := gcPercentFor(v.Uint64()); p != t.percent {
			debug.SetGCPercent(p)
			t.percent = p
		}
	}
	t.arm()
}

// collections returns the number of collections the tuner followed.
func (t *gcTuner) collections() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.adjusts
}

func (t *gcTuner) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.stopped {
		t.stopped = true
		debug.SetGCPercent(t.prev)
	}
}
