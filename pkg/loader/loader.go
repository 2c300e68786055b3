package loader

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"go.uber.org/zap"
)

// Loader applies transactions to a MySQL-compatible downstream.
type Loader struct {
	db      *sql.DB
	opts    Options
	lg      *zap.Logger
	metrics *metrics
	tables  *tableCache

	input     chan *Txn
	successes chan *Txn
	safe      atomic.Bool
	running   atomic.Bool

	closeOnce sync.Once
	closed    chan struct{}
}

// New returns a loader writing to db. Nothing is read or written before Run.
func New(db *sql.DB, opts Options) (*Loader, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: nil database", ErrInvalidOptions)
	}
	if err := opts.adjust(); err != nil {
		return nil, err
	}
	l := &Loader{
		db:        db,
		opts:      opts,
		lg:        opts.Logger.With(zap.String("component", "loader")),
		metrics:   newMetrics(opts.Registerer),
		tables:    newTableCache(db),
		input:     make(chan *Txn),
		successes: make(chan *Txn, 1024),
		closed:    make(chan struct{}),
	}
	l.safe.Store(opts.SafeMode)
	return l, nil
}

// Input is where transactions are sent; close it to make Run return once
// everything sent was applied.
func (l *Loader) Input() chan<- *Txn { return l.input }

// Successes returns every applied transaction in input order. The caller
// must drain it; it is closed when Run returns.
func (l *Loader) Successes() <-chan *Txn { return l.successes }

// SetSafeMode switches safe mode (INSERT as REPLACE, UPDATE as DELETE +
// REPLACE) while running; it applies from the next downstream transaction.
func (l *Loader) SetSafeMode(on bool) {
	if l.safe.Swap(on) != on {
		l.lg.Info("safe mode switched", zap.Bool("safeMode", on))
	}
}

// GetSafeMode reports whether safe mode is on.
func (l *Loader) GetSafeMode() bool { return l.safe.Load() }

// Close stops Run without waiting for queued transactions (those not yet
// reported on Successes are not known to be applied). Run returns nil.
func (l *Loader) Close() {
	l.closeOnce.Do(func() { close(l.closed) })
}

// workerSlots is the number of loopback mark rows: one per worker.
func (l *Loader) workerSlots() int { return l.opts.WorkerCount }

// Run applies transactions until Input is closed and everything is applied
// (it returns nil), Close is called (nil) or a permanent error occurs (the
// error). Successes is closed when it returns.
func (l *Loader) Run(ctx context.Context) error {
	if !l.running.CompareAndSwap(false, true) {
		return ErrRunTwice
	}
	defer close(l.successes)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {})
	defer stop()
	go func() {
		select {
		case <-l.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	if l.opts.Loopback != nil {
		if err := l.initMarkTable(ctx); err != nil {
			return err
		}
		defer func() {
			if err := l.cleanMarkTable(context.WithoutCancel(ctx)); err != nil {
				l.lg.Warn("clean mark table", zap.Error(err))
			}
		}()
	}
	var err error
	if l.opts.EnableDispatch {
		err = newEngine(ctx, l).run()
	} else {
		err = l.runSerial(ctx)
	}
	if l.isClosed() && (errors.Is(err, context.Canceled) || err == nil) {
		return nil
	}
	return err
}

func (l *Loader) isClosed() bool {
	select {
	case <-l.closed:
		return true
	default:
		return false
	}
}

// runSerial applies one transaction at a time.
func (l *Loader) runSerial(ctx context.Context) error {
	w := &worker{l: l}
	defer w.dropConn(false)
	for {
		var txn *Txn
		var ok bool
		select {
		case txn, ok = <-l.input:
			if !ok {
				return nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := l.applyTxn(ctx, w, txn); err != nil {
			return err
		}
		select {
		case l.successes <- txn:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (l *Loader) applyTxn(ctx context.Context, w *worker, txn *Txn) error {
	if txn.IsDDL() {
		return l.execDDL(ctx, txn)
	}
	rows, err := l.resolve(ctx, txn)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	if l.opts.Merge {
		rows = mergeRows(rows)
	}
	return l.applyWithRetry(ctx, w, rows)
}

// resolve turns a txn's DMLs into row changes against the downstream tables.
func (l *Loader) resolve(ctx context.Context, txn *Txn) ([]*rowChange, error) {
	rows := make([]*rowChange, 0, len(txn.DMLs))
	for _, d := range txn.DMLs {
		info, err := l.tables.get(ctx, d.Database, d.Table)
		if err != nil {
			return nil, &ApplyError{Table: quoteTable(d.Database, d.Table), Op: d.Tp.String(), CommitTS: txn.CommitTS, Err: err}
		}
		rows = append(rows, newRowChange(txn, d, info, l.opts.SyncMode))
	}
	return rows, nil
}
