package tidblite

import (
	"bytes"
	"context"
	"strings"

	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/sqltypes"
	querypb "github.com/dolthub/vitess/go/vt/proto/query"
	"github.com/dolthub/vitess/go/vt/sqlparser"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

// handler wraps go-mysql-server's connection handler: it sees every
// statement before the engine does, which gives the transaction boundaries
// (BEGIN, COMMIT, ROLLBACK, autocommit statements, DDL), and answers the
// TiDB-only statements itself.
type handler struct {
	mysql.Handler
	s *Server
}

var _ mysql.Handler = (*handler)(nil)

// resultFn is the callback of a query: it writes a result to the client.
type resultFn = func(*sqltypes.Result, bool) error

// runFn runs the statement on the engine with the given callback.
type runFn = func(cb resultFn) error

// NewConnection implements mysql.Handler.
func (h *handler) NewConnection(c *mysql.Conn) {
	h.s.connWG.Add(1)
	cs := h.s.conns.getOrAdd(c.ConnectionID)
	h.s.conns.mu.Lock()
	cs.conn = c
	h.s.conns.mu.Unlock()
	h.Handler.NewConnection(c)
}

// ConnectionClosed implements mysql.Handler: an open transaction is
// abandoned (the engine rolls it back) and the engine lock is freed.
func (h *handler) ConnectionClosed(c *mysql.Conn) {
	defer h.s.connWG.Done()
	h.Handler.ConnectionClosed(c)
	cs := h.s.conns.get(c.ConnectionID)
	if cs == nil {
		return
	}
	h.s.conns.mu.Lock()
	cs.txn = nil
	h.s.conns.mu.Unlock()
	h.s.conns.remove(c.ConnectionID)
}

// ComQuery implements mysql.Handler.
func (h *handler) ComQuery(ctx context.Context, c *mysql.Conn, query string, cb mysql.ResultSpoolFn) error {
	run := func(cb2 resultFn) error { return h.Handler.ComQuery(ctx, c, query, cb2) }
	return h.statement(ctx, c, query, run, cb)
}

// ComMultiQuery implements mysql.Handler: the first statement is run like a
// single query, the rest is returned.
func (h *handler) ComMultiQuery(ctx context.Context, c *mysql.Conn, query string, cb mysql.ResultSpoolFn) (string, error) {
	first, rest, err := sqlparser.SplitStatement(query)
	if err != nil || strings.TrimSpace(first) == "" {
		return h.Handler.ComMultiQuery(ctx, c, query, cb)
	}
	rest = strings.TrimSpace(rest)
	more := rest != ""
	run := func(cb2 resultFn) error { return h.Handler.ComQuery(ctx, c, first, cb2) }
	err = h.statement(ctx, c, first, run, func(r *sqltypes.Result, m bool) error { return cb(r, m || more) })
	return rest, err
}

// ComPrepare implements mysql.Handler: preparing resolves tables, so it
// runs beside other statements and never beside a DDL.
func (h *handler) ComPrepare(ctx context.Context, c *mysql.Conn, query string, prepare *mysql.PrepareData) ([]*querypb.Field, error) {
	cs := h.s.conns.getOrAdd(c.ConnectionID)
	h.s.ensureSession(ctx, cs)
	h.s.syncSchema(ctx)
	h.s.prepareSession(cs)
	h.s.engineMu.RLock()
	defer h.s.engineMu.RUnlock()
	return h.Handler.ComPrepare(ctx, c, query, prepare)
}

// ComStmtExecute implements mysql.Handler.
func (h *handler) ComStmtExecute(ctx context.Context, c *mysql.Conn, prepare *mysql.PrepareData, cb func(*sqltypes.Result) error) error {
	run := func(cb2 resultFn) error {
		return h.Handler.ComStmtExecute(ctx, c, prepare, func(r *sqltypes.Result) error { return cb2(r, false) })
	}
	return h.statement(ctx, c, prepare.PrepareStmt, run, func(r *sqltypes.Result, _ bool) error { return cb(r) })
}

// statement dispatches one statement by its kind.
func (h *handler) statement(ctx context.Context, c *mysql.Conn, query string, run runFn, cb resultFn) (err error) {
	var st classified
	defer func() { err = mysqlCompatError(st, err) }()
	select {
	case <-h.s.closing:
		return errServerClosed
	default:
	}
	cs := h.s.conns.getOrAdd(c.ConnectionID)
	h.s.ensureSession(ctx, cs)
	st = classify(query)
	switch st.kind {
	case stmtCustom:
		return h.s.custom(ctx, st, cb)
	case stmtBegin:
		return h.s.begin(ctx, cs, run, cb)
	case stmtCommit:
		return h.s.commitStmt(ctx, cs, run, cb)
	case stmtRollback:
		return h.s.rollbackStmt(ctx, cs, run, cb)
	case stmtDDL:
		if q, ok := schemaAsDatabase(st); ok {
			run = func(cb2 resultFn) error { return h.Handler.ComQuery(ctx, c, q, cb2) }
		}
		return h.s.ddlStmt(ctx, cs, st, query, run, cb)
	case stmtSequence:
		return h.s.sequenceStmt(ctx, cs, st.seq, query, cb)
	case stmtMetaDDL:
		return h.s.metaDDLStmt(ctx, cs, st.meta, query, cb)
	case stmtRead:
		return h.s.readStmt(ctx, cs, run, cb)
	default:
		return h.s.writeStmt(ctx, cs, run, cb)
	}
}

// internal runs a statement of our own on a connection's engine session,
// discarding its result.
func (s *Server) internal(ctx context.Context, cs *connState, query string) error {
	err := s.inner.ComQuery(ctx, cs.conn, query, func(*sqltypes.Result, bool) error { return nil })
	if err != nil {
		s.lg.Warn("internal statement failed", zap.String("query", query), zap.Error(err))
	}
	return err
}

// ensureSession makes the engine create a connection's session (it does so
// lazily, at the first statement) so that prepareSession can set it up
// before the connection's first statement runs.
func (s *Server) ensureSession(ctx context.Context, cs *connState) {
	if s.sessionOf(cs) != nil || cs.conn == nil {
		return
	}
	_ = s.internal(ctx, cs, "SELECT 1")
}

// resultBuffer holds results until the transaction they belong to commits.
type resultBuffer struct {
	results []*sqltypes.Result
	more    []bool
}

func (b *resultBuffer) add(r *sqltypes.Result, more bool) error {
	b.results = append(b.results, copyResult(r))
	b.more = append(b.more, more)
	return nil
}

func (b *resultBuffer) flush(cb resultFn) error {
	for i, r := range b.results {
		if err := cb(r, b.more[i]); err != nil {
			return err
		}
	}
	return nil
}

// copyResult deep-copies a result; the engine reuses its buffers.
func copyResult(r *sqltypes.Result) *sqltypes.Result {
	out := &sqltypes.Result{RowsAffected: r.RowsAffected, InsertID: r.InsertID, Info: r.Info, Extras: r.Extras}
	for _, f := range r.Fields {
		out.Fields = append(out.Fields, proto.Clone(f).(*querypb.Field))
	}
	for _, row := range r.Rows {
		nr := make([]sqltypes.Value, len(row))
		for i, v := range row {
			nr[i] = sqltypes.MakeTrusted(v.Type(), bytes.Clone(v.Raw()))
		}
		out.Rows = append(out.Rows, nr)
	}
	return out
}
