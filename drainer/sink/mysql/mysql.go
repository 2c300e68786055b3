package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/drainer/translator"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"go.uber.org/zap"
)

// ErrClosed is returned by Sync after Close or after the sink failed.
var ErrClosed = errors.New("mysql sink: closed")

// applier is what the sink uses of *loader.Loader.
type applier interface {
	Input() chan<- *loader.Txn
	Successes() <-chan *loader.Txn
	Run(ctx context.Context) error
	SetSafeMode(on bool)
}

var _ applier = (*loader.Loader)(nil)

// Sink applies items to MySQL or TiDB through pkg/loader.
type Sink struct {
	ld     applier
	tables translator.TableInfoGetter
	loc    *time.Location
	lg     *zap.Logger

	successes chan *sink.Item
	errc      chan error
	done      chan struct{} // closed when the loader's Run returned

	mu      sync.Mutex
	pending []*sink.Item // handed to the loader, not yet confirmed
	closed  bool
	runErr  error
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

var (
	_ sink.Sink           = (*Sink)(nil)
	_ sink.SafeModeSetter = (*Sink)(nil)
)

// New starts a sink writing to db with the loader options opts. tables
// resolves table ids (the drainer's schema); loc is the downstream time
// zone for TIMESTAMP values (nil: UTC).
func New(db *sql.DB, opts loader.Options, tables translator.TableInfoGetter, loc *time.Location) (*Sink, error) {
	ld, err := loader.New(db, opts)
	if err != nil {
		return nil, fmt.Errorf("mysql sink: create loader: %w", err)
	}
	lg := opts.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	return newSink(ld, tables, loc, lg), nil
}

func newSink(ld applier, tables translator.TableInfoGetter, loc *time.Location, lg *zap.Logger) *Sink {
	if loc == nil {
		loc = time.UTC
	}
	s := &Sink{
		ld: ld, tables: tables, loc: loc, lg: lg.With(zap.String("component", "mysqlSink")),
		successes: make(chan *sink.Item, 1024),
		errc:      make(chan error, 1),
		done:      make(chan struct{}),
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(2)
	go s.run(ctx)
	go s.forward()
	return s
}

func (s *Sink) run(ctx context.Context) {
	defer s.wg.Done()
	defer close(s.done)
	err := s.ld.Run(ctx)
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	err = s.describe(err)
	s.mu.Lock()
	s.runErr = err
	s.mu.Unlock()
	s.lg.Error("apply to the downstream failed", zap.Error(err))
	s.errc <- err
}

// describe names the failed item when the loader stopped on a DDL: the
// loader applies a DDL alone, after everything before it succeeded, so
// the oldest unconfirmed item is the statement that failed.
func (s *Sink) describe(err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) == 0 || !s.pending[0].IsDDL() {
		return fmt.Errorf("mysql sink: %w", err)
	}
	it := s.pending[0]
	ts := it.CommitTS()
	return fmt.Errorf("mysql sink: the downstream rejected the DDL at commit ts %d (%q): %w; "+
		"fix the downstream, or add %d to ignore-txn-commit-ts in [syncer] to skip this DDL, and restart",
		ts, string(it.Binlog.GetDdlQuery()), err, ts)
}

// forward turns confirmed transactions back into items.
func (s *Sink) forward() {
	defer s.wg.Done()
	defer close(s.successes)
	for txn := range s.ld.Successes() {
		// The loader is done with the transaction, but its workers may still
		// point at it from the row changes of their last chunk: drop the rows
		// so that a big transaction's values go with its confirmation.
		txn.DMLs = nil
		it, ok := txn.Metadata.(*sink.Item)
		if !ok {
			continue
		}
		it.AppliedTS = txn.AppliedTS
		s.mu.Lock()
		if len(s.pending) > 0 {
			s.pending[0] = nil
			s.pending = s.pending[1:]
		}
		s.mu.Unlock()
		s.successes <- it
	}
}

// Sync translates item and hands it to the loader; it blocks while the
// loader's memory budget is used up.
func (s *Sink) Sync(item *sink.Item) error {
	txn, err := translator.TiBinlogToTxn(s.tables, item.Schema, item.Table, item.Binlog, item.PrewriteValue,
		item.ShouldSkip, s.loc)
	if err != nil {
		return fmt.Errorf("mysql sink: translate commit ts %d: %w", item.CommitTS(), err)
	}
	txn.Metadata = item
	// Only the transaction is needed from here on: the decoded rows are
	// released so that a big transaction is held once, not twice.
	item.PrewriteValue = nil
	s.mu.Lock()
	if s.closed || s.runErr != nil {
		s.mu.Unlock()
		return ErrClosed
	}
	s.pending = append(s.pending, item)
	s.mu.Unlock()
	select {
	case s.ld.Input() <- txn:
		return nil
	case <-s.done:
		return ErrClosed
	}
}

// Successes implements sink.Sink.
func (s *Sink) Successes() <-chan *sink.Item { return s.successes }

// Error implements sink.Sink.
func (s *Sink) Error() <-chan error { return s.errc }

// SetSafeMode implements sink.SafeModeSetter.
func (s *Sink) SetSafeMode(on bool) { s.ld.SetSafeMode(on) }

// Close lets the loader apply what it was given, then stops it; Successes
// is closed once every confirmation was delivered.
func (s *Sink) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.ld.Input())
	<-s.done
	s.cancel()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runErr
}
