package loader

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// unit is a group of transactions reported together: the DMLs of one
// accumulated batch, or one DDL. done is closed when every row change of
// the unit is applied.
type unit struct {
	txns    []*Txn
	pending atomic.Int64
	done    chan struct{}
	bytes   int64
}

func newUnit(txns []*Txn, bytes int64, ops int) *unit {
	u := &unit{txns: txns, done: make(chan struct{}), bytes: bytes}
	u.pending.Store(int64(ops))
	if ops == 0 {
		close(u.done)
	}
	return u
}

func (u *unit) applied(n int64) {
	if u.pending.Add(-n) == 0 {
		close(u.done)
	}
}

// op is one row change queued on a worker.
type op struct {
	rc   *rowChange
	unit *unit
	seq  uint64
}

// worker applies the row changes queued on it, in order, in downstream
// transactions of at most chunk row changes, on a connection of its own.
type worker struct {
	id    int
	l     *Loader
	ch    chan *op
	chunk int
	conn  *sql.Conn
	prog  *progress
	queue prometheus.Gauge
	// busy is set while the worker applies a chunk.
	busy atomic.Bool
}

func (w *worker) run(ctx context.Context) error {
	defer w.dropConn(false)
	batch := make([]*op, 0, w.chunk)
	rows := make([]*rowChange, 0, w.chunk)
	for {
		batch, rows = batch[:0], rows[:0]
		select {
		case o, ok := <-w.ch:
			if !ok {
				return nil
			}
			batch = append(batch, o)
		case <-ctx.Done():
			return ctx.Err()
		}
		w.busy.Store(true)
		batch = w.fill(batch)
		w.queue.Set(float64(len(w.ch)))
		for _, o := range batch {
			rows = append(rows, o.rc)
		}
		if err := w.l.applyWithRetry(ctx, w, rows); err != nil {
			return err
		}
		w.prog.complete(w.id, batch[len(batch)-1].seq)
		reportApplied(batch)
		// The slices are reused: drop their pointers now, or an idle
		// worker keeps its last (possibly huge) transaction alive.
		clear(batch)
		clear(rows)
		w.busy.Store(false)
	}
}

// fill adds the row changes already queued, up to the chunk size.
func (w *worker) fill(batch []*op) []*op {
	for len(batch) < w.chunk {
		select {
		case o, ok := <-w.ch:
			if !ok {
				return batch
			}
			batch = append(batch, o)
		default:
			return batch
		}
	}
	return batch
}

// reportApplied counts the applied row changes per unit.
func reportApplied(batch []*op) {
	var cur *unit
	var n int64
	for _, o := range batch {
		if o.unit != cur {
			if cur != nil {
				cur.applied(n)
			}
			cur, n = o.unit, 0
		}
		n++
	}
	cur.applied(n)
}

// connection returns the worker's connection, opening one if needed.
func (w *worker) connection(ctx context.Context) (*sql.Conn, error) {
	if w.conn != nil {
		return w.conn, nil
	}
	c, err := w.l.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	w.conn = c
	return c, nil
}

// dropConn releases the connection; bad discards it from the pool (after
// an error the session may be in any state).
func (w *worker) dropConn(bad bool) {
	if w.conn == nil {
		return
	}
	if bad {
		_ = w.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	_ = w.conn.Close()
	w.conn = nil
}
