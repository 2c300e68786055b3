package tidblite

import (
	"context"
	"errors"
	"fmt"

	"github.com/dolthub/vitess/go/mysql"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/pumpclient"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// Errors of the commit path.
var (
	// ErrInjectedCrash is returned to the client of a transaction the crash
	// switch killed.
	ErrInjectedCrash = errors.New("tidblite: injected crash between prewrite and commit")
)

// binlogWriter writes binlogs to the pumps (*pumpclient.PumpsClient).
type binlogWriter interface {
	WriteBinlog(b *binlogpb.Binlog) error
}

var _ binlogWriter = (*pumpclient.PumpsClient)(nil)

// commitTxn ends a connection's transaction the way TiDB's optimistic 2PC
// does with binlog on: the prewrite binlog (start_ts, primary key,
// PrewriteValue) is written first; only then is commit_ts taken, the
// write-write conflict checked and the row changes applied to the tables;
// then the commit binlog follows in the background. A failed prewrite
// binlog fails the transaction (unless ignore-error); a conflict or a
// failed apply writes a rollback binlog.
func (s *Server) commitTxn(ctx context.Context, cs *connState) error {
	txn := s.endTxn(cs)
	if txn == nil || len(txn.events) == 0 {
		return nil
	}
	s.engineMu.RLock()
	defer s.engineMu.RUnlock()
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	if s.wsets.schemaChanged(s.eventTableIDs(txn.events), txn.schemaVersion) {
		return errInfoSchemaChanged
	}
	b := newMutationBuilder(s.cat, s.ids)
	b.startTS = txn.startTS
	for _, ev := range txn.events {
		if err := b.add(ctx, ev); err != nil {
			b.rollback()
			var se *mysql.SQLError
			if errors.As(err, &se) { // TiDB's own error, e.g. no partition for a value
				return se
			}
			return fmt.Errorf("encode binlog rows: %w", err)
		}
	}
	commit := func(commitTS int64) error {
		if c, ok := s.wsets.check(b.keys, txn.startTS); ok {
			return writeConflictError(txn.startTS, c)
		}
		if err := s.applyEvents(ctx, txn.events); err != nil {
			return err
		}
		oldest := s.oldestStartTS(txn.startTS)
		s.wsets.record(b.keys, commitRec{startTS: txn.startTS, commitTS: commitTS}, oldest)
		b.committed(commitTS, oldest)
		return nil
	}
	if b.empty() || !s.binlogOn() {
		return s.commitPlain(ctx, b, commit)
	}
	pv, err := b.prewriteValue(txn.schemaVersion)
	if err != nil {
		b.rollback()
		return err
	}
	p := binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, txn.startTS, 0)
	p.PrewriteKey, p.PrewriteValue = b.primary, pv
	return s.twoPhase(ctx, p, commit, func() error { return nil }, b.rollback)
}

// commitPlain commits without binlog.
func (s *Server) commitPlain(ctx context.Context, b *mutationBuilder, commit func(int64) error) error {
	commitTS, done, err := s.takeCommitTS(ctx)
	if err != nil {
		b.rollback()
		return err
	}
	defer done()
	if err := commit(commitTS); err != nil {
		b.rollback()
		return err
	}
	return nil
}

// twoPhase runs the binlog protocol around an engine commit: p is the
// prewrite binlog; commit applies the change at commit_ts, rollback
// discards it, undo reverts tidb-lite's own bookkeeping when the change is
// discarded.
func (s *Server) twoPhase(ctx context.Context, p *binlogpb.Binlog, commit func(commitTS int64) error, rollback func() error, undo func()) error {
	key, startTS := p.PrewriteKey, p.GetStartTs()
	s.mvcc.prewrite(key, uint64(startTS))
	written, err := s.writePrewrite(p)
	if err != nil {
		s.mvcc.rollback(key, uint64(startTS))
		undo()
		_ = rollback()
		return err
	}
	commitTS, done, err := s.takeCommitTS(ctx)
	if err != nil {
		s.failAfterPrewrite(p, written, undo, rollback)
		return err
	}
	defer done()
	switch s.takeCrash() {
	case CrashBeforeCommit:
		s.lg.Warn("crash switch: transaction dies before commit", zap.Int64("startTS", startTS))
		s.mvcc.abandon(key, uint64(startTS), s.cfg.LockTTL)
		undo()
		_ = rollback()
		return ErrInjectedCrash
	case CrashAfterCommit:
		s.lg.Warn("crash switch: commit binlog dropped", zap.Int64("startTS", startTS), zap.Int64("commitTS", commitTS))
		written = false
	}
	if err := commit(commitTS); err != nil {
		s.failAfterPrewrite(p, written, undo, func() error { return nil })
		return err
	}
	s.mvcc.commit(key, uint64(startTS), uint64(commitTS))
	if written {
		c := proto.Clone(p).(*binlogpb.Binlog)
		c.Tp, c.CommitTs, c.PrewriteValue = binlogpb.BinlogType_Commit.Enum(), proto.Int64(commitTS), nil
		s.writeAsync(c)
	}
	return nil
}

// failAfterPrewrite discards a transaction whose prewrite binlog was
// written: a rollback binlog follows it.
func (s *Server) failAfterPrewrite(p *binlogpb.Binlog, written bool, undo func(), rollback func() error) {
	s.mvcc.rollback(p.PrewriteKey, uint64(p.GetStartTs()))
	undo()
	_ = rollback()
	if written {
		r := proto.Clone(p).(*binlogpb.Binlog)
		r.Tp, r.CommitTs, r.PrewriteValue = binlogpb.BinlogType_Rollback.Enum(), proto.Int64(0), nil
		s.writeAsync(r)
	}
}

// writePrewrite writes a prewrite binlog. With ignore-error a failure
// switches binlog off for good ("skipping") and the transaction goes on
// without it (written = false).
func (s *Server) writePrewrite(p *binlogpb.Binlog) (written bool, err error) {
	if !s.binlogOn() {
		return false, nil
	}
	err = s.binlog.WriteBinlog(p)
	if err == nil {
		return true, nil
	}
	s.lg.Error("write binlog failed", zap.Int64("startTS", p.GetStartTs()), zap.Error(err))
	if s.cfg.BinlogIgnoreError {
		s.lg.Error("write binlog fail but error ignored, binlog is skipped from now on")
		s.skipBinlog.Store(true)
		return false, nil
	}
	if errors.Is(err, pumpclient.ErrBinlogTooLarge) {
		return false, fmt.Errorf("binlog data is too large (%s)", err)
	}
	return false, fmt.Errorf("critical error %s", err)
}

// writeAsync writes a commit or rollback binlog in the background, as TiDB
// does; the client never waits for it and it never fails a transaction.
func (s *Server) writeAsync(b *binlogpb.Binlog) {
	s.asyncWG.Add(1)
	go func() {
		defer s.asyncWG.Done()
		if err := s.binlog.WriteBinlog(b); err != nil {
			s.lg.Warn("write commit binlog failed", zap.Int64("startTS", b.GetStartTs()), zap.Error(err))
		}
	}()
}

// binlogOn reports whether binlogs are written.
func (s *Server) binlogOn() bool { return s.binlog != nil && !s.skipBinlog.Load() }

// takeCrash disarms and returns the crash switch.
func (s *Server) takeCrash() string {
	s.crashMu.Lock()
	defer s.crashMu.Unlock()
	m := s.crashMode
	s.crashMode = CrashNone
	return m
}

// SetCrashNextTxn arms (or, with CrashNone, disarms) the crash switch for
// the next transaction that writes a binlog.
func (s *Server) SetCrashNextTxn(mode string) error {
	if !validCrashMode(mode) {
		return fmt.Errorf("%w: %q", ErrBadCrashMode, mode)
	}
	s.crashMu.Lock()
	defer s.crashMu.Unlock()
	s.crashMode = mode
	return nil
}

// crashArmed returns the armed crash mode.
func (s *Server) crashArmed() string {
	s.crashMu.Lock()
	defer s.crashMu.Unlock()
	return s.crashMode
}
