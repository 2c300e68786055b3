package loader

import (
	"context"
	"sync"
	"sync/atomic"
)

// progress records, per worker, the sequence number of the last row change
// it committed. The dispatcher numbers the row changes it queues on each
// worker, so "worker w has applied everything up to seq s" is one compare.
type progress struct {
	mu   sync.Mutex
	cond *sync.Cond
	done []atomic.Uint64
}

func newProgress(workers int) *progress {
	p := &progress{done: make([]atomic.Uint64, workers)}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *progress) complete(w int, seq uint64) {
	p.done[w].Store(seq)
	p.mu.Lock()
	p.cond.Broadcast()
	p.mu.Unlock()
}

func (p *progress) applied(w int, seq uint64) bool { return p.done[w].Load() >= seq }

// waitFor blocks until worker w has applied seq (or ctx ends).
func (p *progress) waitFor(ctx context.Context, w int, seq uint64) error {
	if p.applied(w, seq) {
		return nil
	}
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for !p.applied(w, seq) {
		if err := ctx.Err(); err != nil {
			return err
		}
		p.cond.Wait()
	}
	return nil
}

// slot is where a key was last queued: a worker and the row change's seq.
type slot struct {
	worker int
	seq    uint64
}

// dispatcher picks a worker for each row change. With causality, row
// changes that share a key go to the worker that has the key queued, so
// they apply in order; a key whose row changes are all applied is free
// again. A row change whose keys are queued on two workers waits until all
// but one of them have applied theirs (the original flushed every worker and
// reset its state instead).
type dispatcher struct {
	workers int
	causal  bool
	keys    map[string]slot
	queued  []uint64
	prog    *progress
	sweepAt int
}

const minSweep = 1 << 16

func newDispatcher(workers int, causal bool, prog *progress) *dispatcher {
	return &dispatcher{
		workers: workers,
		causal:  causal,
		keys:    map[string]slot{},
		queued:  make([]uint64, workers),
		prog:    prog,
		sweepAt: minSweep,
	}
}

// assign returns the worker and the seq of a row change with keys.
func (d *dispatcher) assign(ctx context.Context, keys []string) (int, uint64, error) {
	return d.assignN(ctx, keys, 1, func() int { return keyHash(keys[0], d.workers) })
}

// assignGroup queues n row changes with the union of keys on one worker
// (merge mode's bulk groups): the worker holding one of the keys, or home.
// It returns the seq of the first; the others follow.
func (d *dispatcher) assignGroup(ctx context.Context, keys []string, n, home int) (int, uint64, error) {
	w, last, err := d.assignN(ctx, keys, n, func() int { return home })
	return w, last - uint64(n) + 1, err
}

func (d *dispatcher) assignN(ctx context.Context, keys []string, n int, fresh func() int) (int, uint64, error) {
	w := -1
	if d.causal {
		var err error
		if w, err = d.liveWorker(ctx, keys); err != nil {
			return 0, 0, err
		}
	}
	if w < 0 {
		w = fresh()
	}
	d.queued[w] += uint64(n)
	seq := d.queued[w]
	if d.causal {
		for _, k := range keys {
			d.keys[k] = slot{w, seq}
		}
		if len(d.keys) >= d.sweepAt {
			d.sweep()
		}
	}
	return w, seq, nil
}

// liveWorker returns the worker holding a not yet applied row change of one
// of keys (-1 if none), first waiting for every other such worker.
func (d *dispatcher) liveWorker(ctx context.Context, keys []string) (int, error) {
	w := -1
	var others []slot
	for _, k := range keys {
		s, ok := d.keys[k]
		if !ok || d.prog.applied(s.worker, s.seq) {
			continue
		}
		switch {
		case w < 0:
			w = s.worker
		case s.worker != w:
			others = append(others, s)
		}
	}
	for _, s := range others {
		if err := d.prog.waitFor(ctx, s.worker, s.seq); err != nil {
			return 0, err
		}
	}
	return w, nil
}

// sweep forgets keys whose row changes are applied.
func (d *dispatcher) sweep() {
	for k, s := range d.keys {
		if d.prog.applied(s.worker, s.seq) {
			delete(d.keys, k)
		}
	}
	d.sweepAt = max(minSweep, 2*len(d.keys))
}

// waitAll blocks until every queued row change is applied.
func (d *dispatcher) waitAll(ctx context.Context) error {
	for w, seq := range d.queued {
		if err := d.prog.waitFor(ctx, w, seq); err != nil {
			return err
		}
	}
	return nil
}
