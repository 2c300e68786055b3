package tidblite

import (
	"context"
	"fmt"

	"github.com/dolthub/vitess/go/sqltypes"
	"go.uber.org/zap"
)

// beginTxn takes the engine lock and opens a transaction: start_ts comes
// from the TSO and the schema version is the one this instance has loaded.
func (s *Server) beginTxn(ctx context.Context, cs *connState) error {
	if err := s.acquire(ctx, cs); err != nil {
		return err
	}
	ts, err := s.tso.TSO(ctx)
	if err != nil {
		s.release(cs)
		return fmt.Errorf("get start ts: %w", err)
	}
	cs.txn = &txnState{startTS: ts, schemaVersion: s.schemaVersion()}
	return nil
}

// begin handles BEGIN / START TRANSACTION; an open transaction commits
// first, as in MySQL.
func (s *Server) begin(ctx context.Context, cs *connState, run runFn, cb resultFn) error {
	if cs.txn != nil {
		if err := s.commitOpen(ctx, cs); err != nil {
			return err
		}
	}
	if err := s.beginTxn(ctx, cs); err != nil {
		return err
	}
	if err := run(cb); err != nil {
		cs.txn = nil
		s.release(cs)
		return err
	}
	return nil
}

// commitStmt handles COMMIT.
func (s *Server) commitStmt(ctx context.Context, cs *connState, run runFn, cb resultFn) error {
	if cs.txn == nil {
		if err := s.acquire(ctx, cs); err != nil {
			return err
		}
		defer s.release(cs)
		return run(cb)
	}
	return s.commitTxn(ctx, cs, func() error { return run(cb) })
}

// commitOpen commits a connection's open transaction implicitly (before a
// DDL or BEGIN).
func (s *Server) commitOpen(ctx context.Context, cs *connState) error {
	return s.commitTxn(ctx, cs, func() error { return s.internal(ctx, cs, "COMMIT") })
}

// rollbackStmt handles ROLLBACK: nothing was written to the pumps yet.
func (s *Server) rollbackStmt(ctx context.Context, cs *connState, run runFn, cb resultFn) error {
	if err := s.acquire(ctx, cs); err != nil {
		return err
	}
	cs.txn = nil
	s.takeStmtEvents(cs)
	defer s.release(cs)
	return run(cb)
}

// readStmt runs a statement that changes no rows.
func (s *Server) readStmt(ctx context.Context, cs *connState, run runFn, cb resultFn) error {
	if cs.txn == nil && !s.autocommit(cs) {
		if err := s.beginTxn(ctx, cs); err != nil {
			return err
		}
	}
	if cs.txn != nil {
		return s.inTxn(cs, run, cb)
	}
	if err := s.acquire(ctx, cs); err != nil {
		return err
	}
	defer s.release(cs)
	err := run(cb)
	if evs := s.takeStmtEvents(cs); len(evs) > 0 {
		s.lg.Warn("row changes of a read statement ignored", zap.Int("rows", len(evs)))
	}
	return err
}

// inTxn runs a statement inside the open transaction; its row events join
// the transaction when it succeeds.
func (s *Server) inTxn(cs *connState, run runFn, cb resultFn) error {
	s.takeStmtEvents(cs)
	err := run(cb)
	evs := s.takeStmtEvents(cs)
	if err == nil {
		cs.txn.events = append(cs.txn.events, evs...)
	}
	return err
}

// writeStmt runs a statement that may change rows. In autocommit mode it
// is its own transaction: the engine runs it inside START TRANSACTION, and
// its result reaches the client only after the binlog protocol committed.
func (s *Server) writeStmt(ctx context.Context, cs *connState, run runFn, cb resultFn) error {
	if cs.txn != nil {
		return s.inTxn(cs, run, cb)
	}
	if err := s.beginTxn(ctx, cs); err != nil {
		return err
	}
	if !s.autocommit(cs) {
		return s.inTxn(cs, run, cb)
	}
	if err := s.internal(ctx, cs, "START TRANSACTION"); err != nil {
		cs.txn = nil
		s.release(cs)
		return err
	}
	var buf resultBuffer
	if err := s.inTxn(cs, run, buf.add); err != nil {
		cs.txn = nil
		_ = s.internal(ctx, cs, "ROLLBACK")
		s.release(cs)
		return err
	}
	if err := s.commitTxn(ctx, cs, func() error { return s.internal(ctx, cs, "COMMIT") }); err != nil {
		return err
	}
	return buf.flush(cb)
}

// okResult is the result of a statement without rows.
func okResult() *sqltypes.Result { return &sqltypes.Result{} }
