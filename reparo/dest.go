package reparo

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// destination receives the filtered binlogs of a run in commit-ts order.
type destination interface {
	// Sync hands over one binlog; it may block while the destination is
	// busy. The destination reports each binlog done through the callback
	// it was built with, in order.
	Sync(ctx context.Context, b *filepb.Binlog) error
	// Finish returns once everything handed over is done.
	Finish(ctx context.Context) error
	// Close releases the destination.
	Close() error
}

// doneFunc is told of each binlog done: its commit ts and row count.
type doneFunc func(ts int64, rows int)

// countRows returns the number of row changes of a binlog.
func countRows(b *filepb.Binlog) int { return len(b.GetDmlData().GetEvents()) }

var (
	_ txnSyncer   = (*loaderDest)(nil)
	_ destination = (*printDest)(nil)
	_ destination = (*MemoryDest)(nil)
	_ destination = (*loaderDest)(nil)
)

// MemoryDest keeps every binlog and its translation in memory (dest-type
// memory; for tests and embedding).
type MemoryDest struct {
	tr      *translator
	mu      sync.Mutex
	binlogs []*filepb.Binlog
	txns    []*loader.Txn
	done    doneFunc
}

// Sync translates and keeps b.
func (m *MemoryDest) Sync(_ context.Context, b *filepb.Binlog) error {
	txn, err := m.tr.binlogToTxn(b)
	if err != nil {
		return fmt.Errorf("translate binlog at commit ts %d: %w", b.GetCommitTs(), err)
	}
	m.mu.Lock()
	m.binlogs = append(m.binlogs, b)
	m.txns = append(m.txns, txn)
	m.mu.Unlock()
	if m.done != nil {
		m.done(b.GetCommitTs(), countRows(b))
	}
	return nil
}

// Finish does nothing: Sync keeps everything at once.
func (m *MemoryDest) Finish(context.Context) error { return nil }

// Close does nothing.
func (m *MemoryDest) Close() error { return nil }

// Binlogs returns the binlogs kept, in order.
func (m *MemoryDest) Binlogs() []*filepb.Binlog {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*filepb.Binlog(nil), m.binlogs...)
}

// Txns returns the translations of the binlogs kept, in order.
func (m *MemoryDest) Txns() []*loader.Txn {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*loader.Txn(nil), m.txns...)
}

// txnMeta rides on Txn.Metadata through the loader.
type txnMeta struct {
	ts   int64
	rows int
}

// safeModeSwitch is the part of the loader the resume logic drives.
type safeModeSwitch interface {
	SetSafeMode(on bool)
}

// loaderDest applies binlogs through pkg/loader.
type loaderDest struct {
	tr      *translator
	ld      *loader.Loader
	done    doneFunc
	stopped chan struct{} // closed when Run returned
	drained chan struct{} // closed when Successes is drained
	runErr  error
	closed  bool
}

// newLoaderDest starts ld: Run and the reader of its successes.
func newLoaderDest(ctx context.Context, ld *loader.Loader, tr *translator, done doneFunc) *loaderDest {
	d := &loaderDest{tr: tr, ld: ld, done: done, stopped: make(chan struct{}), drained: make(chan struct{})}
	go func() {
		defer close(d.stopped)
		d.runErr = ld.Run(ctx)
	}()
	go func() {
		defer close(d.drained)
		for txn := range ld.Successes() {
			if m, ok := txn.Metadata.(txnMeta); ok {
				d.done(m.ts, m.rows)
			}
		}
	}()
	return d
}

// errLoaderStopped is returned by Sync after the loader stopped without an
// error of its own.
var errLoaderStopped = errors.New("reparo: loader stopped")

func (d *loaderDest) Sync(ctx context.Context, b *filepb.Binlog) error {
	txn, err := d.tr.binlogToTxn(b)
	if err != nil {
		return fmt.Errorf("translate binlog at commit ts %d: %w", b.GetCommitTs(), err)
	}
	return d.SyncTxn(ctx, b, txn)
}

// SyncTxn hands over b translated as txn.
func (d *loaderDest) SyncTxn(ctx context.Context, b *filepb.Binlog, txn *loader.Txn) error {
	txn.Metadata = txnMeta{ts: b.GetCommitTs(), rows: countRows(b)}
	return d.send(ctx, txn)
}

// send hands a txn to the loader.
func (d *loaderDest) send(ctx context.Context, txn *loader.Txn) error {
	select {
	case d.ld.Input() <- txn:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-d.stopped:
		if d.runErr != nil {
			return fmt.Errorf("apply: %w", d.runErr)
		}
		return errLoaderStopped
	}
}

func (d *loaderDest) Finish(ctx context.Context) error {
	if !d.closed {
		d.closed = true
		close(d.ld.Input())
	}
	select {
	case <-d.stopped:
	case <-ctx.Done():
		return ctx.Err()
	}
	<-d.drained
	if d.runErr != nil {
		return fmt.Errorf("apply: %w", d.runErr)
	}
	return nil
}

// Close stops the loader and waits for its goroutines.
func (d *loaderDest) Close() error {
	d.ld.Close()
	<-d.stopped
	<-d.drained
	return nil
}

func (d *loaderDest) SetSafeMode(on bool) { d.ld.SetSafeMode(on) }
