package tidblite

import (
	"context"

	"github.com/dolthub/vitess/go/sqltypes"
	"go.uber.org/zap"
)

// beginTxn opens a transaction: start_ts comes from the TSO and the schema
// version is the one this instance has loaded. The connection's engine
// session starts from the committed tables.
func (s *Server) beginTxn(ctx context.Context, cs *connState) error {
	s.syncSchema(ctx)
	ts, err := s.takeStartTS(ctx)
	if err != nil {
		return err
	}
	s.resetSession(cs)
	s.conns.mu.Lock()
	cs.txn = &txnState{startTS: ts, schemaVersion: s.schemaVersion()}
	s.conns.mu.Unlock()
	return nil
}

// endTxn closes a connection's transaction and drops its table copies.
func (s *Server) endTxn(cs *connState) *txnState {
	s.conns.mu.Lock()
	txn := cs.txn
	cs.txn = nil
	s.conns.mu.Unlock()
	s.takeStmtEvents(cs)
	s.resetSession(cs)
	return txn
}

// begin handles BEGIN / START TRANSACTION; an open transaction commits
// first, as in MySQL. The engine never sees it (see occ.go).
func (s *Server) begin(ctx context.Context, cs *connState, _ runFn, cb resultFn) error {
	if cs.txn != nil {
		if err := s.commitOpen(ctx, cs); err != nil {
			return err
		}
	}
	if err := s.beginTxn(ctx, cs); err != nil {
		return err
	}
	return cb(okResult(), false)
}

// commitStmt handles COMMIT.
func (s *Server) commitStmt(ctx context.Context, cs *connState, _ runFn, cb resultFn) error {
	if err := s.commitOpen(ctx, cs); err != nil {
		return err
	}
	return cb(okResult(), false)
}

// commitOpen commits a connection's open transaction (COMMIT, or
// implicitly before a DDL or BEGIN).
func (s *Server) commitOpen(ctx context.Context, cs *connState) error {
	if cs.txn == nil {
		s.resetSession(cs)
		return nil
	}
	return s.commitTxn(ctx, cs)
}

// rollbackStmt handles ROLLBACK: nothing was written to the pumps yet.
func (s *Server) rollbackStmt(_ context.Context, cs *connState, _ runFn, cb resultFn) error {
	s.endTxn(cs)
	return cb(okResult(), false)
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
	s.syncSchema(ctx)
	s.resetSession(cs)
	defer s.resetSession(cs)
	err := s.runShared(cs, run, cb)
	if evs := s.takeStmtEvents(cs); len(evs) > 0 {
		s.lg.Warn("row changes of a read statement ignored", zap.Int("rows", len(evs)))
	}
	return err
}

// inTxn runs a statement inside the open transaction; its row events join
// the transaction when it succeeds.
func (s *Server) inTxn(cs *connState, run runFn, cb resultFn) error {
	s.takeStmtEvents(cs)
	err := s.runShared(cs, run, cb)
	evs := s.takeStmtEvents(cs)
	if err == nil {
		cs.txn.events = append(cs.txn.events, evs...)
	}
	return err
}

// writeStmt runs a statement that may change rows. In autocommit mode it
// is its own transaction, whose result reaches the client only after the
// binlog protocol committed it.
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
	var buf resultBuffer
	if err := s.inTxn(cs, run, buf.add); err != nil {
		s.endTxn(cs)
		return err
	}
	if err := s.commitTxn(ctx, cs); err != nil {
		return err
	}
	return buf.flush(cb)
}

// okResult is the result of a statement without rows.
func okResult() *sqltypes.Result { return &sqltypes.Result{} }
