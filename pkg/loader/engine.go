package loader

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"
)

// engine is one Run of a dispatching loader: the batcher (Run's goroutine),
// the workers and the reporter.
type engine struct {
	l       *Loader
	ctx     context.Context
	cancel  context.CancelFunc
	workers []*worker
	disp    *dispatcher
	prog    *progress
	units   chan *unit
	budget  *budget
	wg      sync.WaitGroup

	errMu sync.Mutex
	err   error

	// the batch being accumulated
	txns  []*Txn
	dmls  int
	bytes int64

	lastAppliedRead time.Time
	poll            *time.Timer
}

func newEngine(ctx context.Context, l *Loader) *engine {
	ctx, cancel := context.WithCancel(ctx)
	n := l.opts.WorkerCount
	e := &engine{
		l:      l,
		ctx:    ctx,
		cancel: cancel,
		prog:   newProgress(n),
		units:  make(chan *unit, 1<<16),
		budget: newBudget(l.opts.MaxBytes),
		poll:   time.NewTimer(time.Hour),
	}
	e.poll.Stop()
	e.disp = newDispatcher(n, l.opts.EnableCausality, e.prog)
	chunk := l.opts.BatchSize
	queueLen := 4 * l.opts.BatchSize * 3
	if l.opts.Merge {
		// Merged rows fold into bulk statements: a worker takes all it has
		// queued, up to a whole batch.
		chunk = l.opts.maxBatchDMLs()
		queueLen = 2 * chunk
	}
	for i := 0; i < n; i++ {
		e.workers = append(e.workers, &worker{
			id: i, l: l, chunk: chunk, prog: e.prog, queue: l.metrics.queueSizes.WithLabelValues(fmt.Sprintf("worker_%d", i)),
			ch: make(chan *op, queueLen),
		})
	}
	return e
}

func (e *engine) fail(err error) {
	e.errMu.Lock()
	if e.err == nil {
		e.err = err
	}
	e.errMu.Unlock()
	e.cancel()
}

func (e *engine) firstErr() error {
	e.errMu.Lock()
	defer e.errMu.Unlock()
	return e.err
}

func (e *engine) run() error {
	for _, w := range e.workers {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			if err := w.run(e.ctx); err != nil && !errors.Is(err, context.Canceled) {
				e.fail(err)
			}
		}()
	}
	reporterDone := make(chan struct{})
	go func() {
		defer close(reporterDone)
		e.report()
	}()
	err := e.loop()
	if err == nil {
		close(e.units)
		select {
		case <-reporterDone:
		case <-e.ctx.Done():
		}
	} else {
		e.fail(err)
	}
	for _, w := range e.workers {
		close(w.ch)
	}
	e.wg.Wait()
	e.cancel()
	<-reporterDone
	if ferr := e.firstErr(); ferr != nil {
		return ferr
	}
	return err
}

// loop accumulates and dispatches transactions until the input is closed.
func (e *engine) loop() error {
	maxDMLs := e.l.opts.maxBatchDMLs()
	for {
		txn, ok, err := e.next()
		if err != nil {
			return err
		}
		if !ok {
			return e.flush()
		}
		if txn == nil {
			if err := e.flush(); err != nil {
				return err
			}
			continue
		}
		if err := e.admit(txn); err != nil {
			return err
		}
		if txn.IsDDL() {
			if err := e.runDDL(txn); err != nil {
				return err
			}
			continue
		}
		e.txns = append(e.txns, txn)
		e.dmls += len(txn.DMLs)
		if e.dmls >= maxDMLs {
			if err := e.flush(); err != nil {
				return err
			}
		}
	}
}

// next returns the next transaction; (nil, true) when the pending batch
// should be dispatched now; ok is false once the input is closed.
//
// A pending batch is dispatched as soon as the input is empty and a worker
// is idle. While every worker is busy more transactions are accumulated
// (up to the batch bound), so that the workers find longer queues: longer
// chunks and, in merge mode, longer bulk statements.
func (e *engine) next() (*Txn, bool, error) {
	if len(e.txns) == 0 {
		select {
		case txn, ok := <-e.l.input:
			return txn, ok, nil
		case <-e.ctx.Done():
			return nil, false, e.ctx.Err()
		}
	}
	var idleSince time.Time
	for {
		select {
		case txn, ok := <-e.l.input:
			return txn, ok, nil
		case <-e.ctx.Done():
			return nil, false, e.ctx.Err()
		default:
		}
		if e.anyIdle() {
			if !e.l.opts.Merge {
				return nil, true, nil
			}
			// Merge mode lingers a little: a bigger batch merges more
			// and makes longer bulk statements.
			if idleSince.IsZero() {
				idleSince = time.Now()
			} else if time.Since(idleSince) >= mergeLinger {
				return nil, true, nil
			}
		}
		e.poll.Reset(pollInterval)
		select {
		case txn, ok := <-e.l.input:
			if !e.poll.Stop() {
				<-e.poll.C
			}
			return txn, ok, nil
		case <-e.ctx.Done():
			return nil, false, e.ctx.Err()
		case <-e.poll.C:
		}
	}
}

// pollInterval is how often a pending batch checks for an idle worker
// while the input is empty.
const pollInterval = 200 * time.Microsecond

// mergeLinger is how long merge mode waits for more input before it
// dispatches a batch to an idle worker.
const mergeLinger = 2 * time.Millisecond

func (e *engine) anyIdle() bool {
	for _, w := range e.workers {
		if !w.busy.Load() && len(w.ch) == 0 {
			return true
		}
	}
	return false
}

// admit takes the transaction's bytes from the budget, dispatching the
// pending batch first if the budget is full.
func (e *engine) admit(txn *Txn) error {
	n := txnSize(txn)
	if !e.budget.tryAcquire(n) {
		if err := e.flush(); err != nil {
			return err
		}
		if err := e.budget.acquire(e.ctx, n); err != nil {
			return err
		}
	}
	e.bytes += n
	return nil
}

// flush dispatches the pending batch as one unit.
func (e *engine) flush() error {
	if len(e.txns) == 0 {
		return nil
	}
	txns, bytes := e.txns, e.bytes
	e.txns, e.dmls, e.bytes = nil, 0, 0
	var rows []*rowChange
	for _, txn := range txns {
		rs, err := e.l.resolve(e.ctx, txn)
		if err != nil {
			return err
		}
		rows = append(rows, rs...)
	}
	if e.l.opts.Merge {
		return e.dispatchGroups(txns, bytes, mergeGroups(rows))
	}
	u := newUnit(txns, bytes, len(rows))
	if err := e.queueUnit(u); err != nil {
		return err
	}
	for _, rc := range rows {
		w, seq, err := e.disp.assign(e.ctx, rc.causalityKeys())
		if err != nil {
			return err
		}
		if err := e.enqueue(w, &op{rc: rc, unit: u, seq: seq}); err != nil {
			return err
		}
	}
	return nil
}

// dispatchGroups queues merge mode's bulk groups, each on one worker.
func (e *engine) dispatchGroups(txns []*Txn, bytes int64, groups [][]*rowChange) error {
	n := 0
	for _, g := range groups {
		n += len(g)
	}
	u := newUnit(txns, bytes, n)
	if err := e.queueUnit(u); err != nil {
		return err
	}
	for _, g := range groups {
		for p, part := range e.partition(g) {
			if err := e.dispatchGroup(u, part, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// mergeLanes is how many workers share one table's bulk group in merge mode:
// half of them (see "Measured choices" in doc.go).
func (e *engine) mergeLanes() int { return max(1, e.l.opts.WorkerCount/mergeLaneDivisor) }

// mergeLaneDivisor: WorkerCount/mergeLaneDivisor lanes per table.
const mergeLaneDivisor = 2

// mergeBatchFactor makes merge mode's batches this many times longer than
// the dispatching ones: longer bulk statements and fewer commits.
const mergeBatchFactor = 2

// maxBatchDMLs is how many DMLs a batch accumulates at most: BatchSize x
// WorkerCount x 3 (merge mode: times mergeBatchFactor).
func (o *Options) maxBatchDMLs() int {
	n := o.BatchSize * o.WorkerCount * 3
	if o.Merge {
		n *= mergeBatchFactor
	}
	return n
}

// partition splits a bulk group by the hash of each row's first key into
// mergeLanes parts; part p of table t goes by default to the same worker
// every time, so that a key's bulk rows stay on one worker batch after
// batch and consecutive batches do not wait on each other.
func (e *engine) partition(g []*rowChange) [][]*rowChange {
	lanes := e.mergeLanes()
	if lanes == 1 || len(g) == 1 {
		return [][]*rowChange{g}
	}
	parts := make([][]*rowChange, lanes)
	for _, rc := range g {
		p := keyHash(rc.causalityKeys()[0], lanes)
		parts[p] = append(parts[p], rc)
	}
	return parts
}

func (e *engine) dispatchGroup(u *unit, g []*rowChange, part int) error {
	if len(g) == 0 {
		return nil
	}
	var keys []string
	for _, rc := range g {
		keys = append(keys, rc.causalityKeys()...)
	}
	home := (keyHash(g[0].table, e.l.opts.WorkerCount) + part) % e.l.opts.WorkerCount
	w, seq, err := e.disp.assignGroup(e.ctx, keys, len(g), home)
	if err != nil {
		return err
	}
	for i, rc := range g {
		if err := e.enqueue(w, &op{rc: rc, unit: u, seq: seq + uint64(i)}); err != nil {
			return err
		}
	}
	return nil
}

func (e *engine) queueUnit(u *unit) error {
	select {
	case e.units <- u:
		return nil
	case <-e.ctx.Done():
		return e.ctx.Err()
	}
}

func (e *engine) enqueue(w int, o *op) error {
	select {
	case e.workers[w].ch <- o:
		return nil
	case <-e.ctx.Done():
		return e.ctx.Err()
	}
}

// runDDL applies a DDL alone: after everything before it, before anything
// after it.
func (e *engine) runDDL(txn *Txn) error {
	if err := e.flush(); err != nil {
		return err
	}
	if err := e.disp.waitAll(e.ctx); err != nil {
		return err
	}
	bytes := e.bytes
	e.bytes = 0
	if err := e.l.execDDL(e.ctx, txn); err != nil {
		return err
	}
	select {
	case e.units <- newUnit([]*Txn{txn}, bytes, 0):
		return nil
	case <-e.ctx.Done():
		return e.ctx.Err()
	}
}

// report hands out applied transactions in input order.
func (e *engine) report() {
	for {
		var u *unit
		select {
		case next, ok := <-e.units:
			if !ok {
				return
			}
			u = next
		case <-e.ctx.Done():
			return
		}
		select {
		case <-u.done:
		case <-e.ctx.Done():
			return
		}
		e.setAppliedTS(u)
		for _, txn := range u.txns {
			select {
			case e.l.successes <- txn:
			case <-e.ctx.Done():
				return
			}
		}
		e.budget.release(u.bytes)
	}
}

// appliedTSInterval is how often a tidb destination's ts is read.
const appliedTSInterval = time.Minute

// setAppliedTS reads the downstream TSO (tidb only, at most once a minute)
// and gives it to the unit's transactions.
func (e *engine) setAppliedTS(u *unit) {
	if e.l.opts.DestType != DestTiDB || time.Since(e.lastAppliedRead) < appliedTSInterval {
		return
	}
	e.lastAppliedRead = time.Now()
	ts, err := e.l.appliedTS(e.ctx)
	if err != nil {
		e.l.lg.Warn("read downstream applied ts", zap.Error(err))
		return
	}
	for _, txn := range u.txns {
		txn.AppliedTS = ts
	}
}
