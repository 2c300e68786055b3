package tidblite

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
	"go.uber.org/zap"
)

// Concurrency: see occ.go.

// errServerClosed is returned to statements that arrive while closing.
var errServerClosed = errors.New("tidblite: server closed")

// txnState is an open transaction of a connection.
type txnState struct {
	startTS       int64
	schemaVersion int64
	events        []rowEvent
}

// connState is what the server tracks per MySQL connection.
type connState struct {
	id      uint32
	conn    *mysql.Conn
	session *memory.Session // replaced by COM_RESET_CONNECTION

	txn  *txnState
	stmt []rowEvent // row events of the running statement
}

// connTable indexes connection states by connection (= session) ID.
type connTable struct {
	mu    sync.Mutex
	conns map[uint32]*connState
}

func (t *connTable) get(id uint32) *connState {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.conns[id]
}

// getOrAdd returns the state of a connection, creating it.
func (t *connTable) getOrAdd(id uint32) *connState {
	t.mu.Lock()
	defer t.mu.Unlock()
	cs, ok := t.conns[id]
	if !ok {
		cs = &connState{id: id}
		t.conns[id] = cs
	}
	return cs
}

func (t *connTable) remove(id uint32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.conns, id)
}

func (t *connTable) all() []*connState {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]*connState, 0, len(t.conns))
	for _, cs := range t.conns {
		out = append(out, cs)
	}
	return out
}

func (t *connTable) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}

// recordRow implements rowSink: events of a connection's statement are
// buffered until the statement ends.
func (s *Server) recordRow(sessionID uint32, ev rowEvent) {
	cs := s.conns.get(sessionID)
	if cs == nil {
		return // an internal session (schema replay)
	}
	s.conns.mu.Lock()
	cs.stmt = append(cs.stmt, ev)
	s.conns.mu.Unlock()
}

// takeStmtEvents returns and clears the running statement's events.
func (s *Server) takeStmtEvents(cs *connState) []rowEvent {
	s.conns.mu.Lock()
	defer s.conns.mu.Unlock()
	evs := cs.stmt
	cs.stmt = nil
	return evs
}

// sessionBuilder creates the engine session of a connection and remembers
// it, so the handler can read the current database and autocommit.
func (s *Server) sessionBuilder(inner *memory.DbProvider) func(context.Context, *mysql.Conn, string) (sql.Session, error) {
	build := memory.NewSessionBuilder(inner)
	return func(ctx context.Context, c *mysql.Conn, addr string) (sql.Session, error) {
		sess, err := build(ctx, c, addr)
		if err != nil {
			return nil, err
		}
		cs := s.conns.getOrAdd(c.ConnectionID)
		s.conns.mu.Lock()
		cs.conn = c
		cs.session, _ = sess.(*memory.Session)
		s.conns.mu.Unlock()
		return sess, nil
	}
}

// currentDB returns the connection's current database.
func (s *Server) currentDB(cs *connState) string {
	s.conns.mu.Lock()
	defer s.conns.mu.Unlock()
	if cs.session == nil {
		return ""
	}
	return cs.session.GetCurrentDatabase()
}

// autocommit reports the connection's autocommit setting.
func (s *Server) autocommit(cs *connState) bool {
	s.conns.mu.Lock()
	sess := cs.session
	s.conns.mu.Unlock()
	if sess == nil {
		return true
	}
	v, err := sess.GetSessionVariable(sql.NewEmptyContext(), "autocommit")
	if err != nil {
		return true
	}
	switch x := v.(type) {
	case int8:
		return x != 0
	case int64:
		return x != 0
	case bool:
		return x
	}
	return fmt.Sprint(v) != "0"
}

// syncSchema loads the DDL jobs other instances finished meanwhile; the
// replay excludes every statement of this instance.
func (s *Server) syncSchema(ctx context.Context) {
	s.catMu.RLock()
	last := s.cat.lastJobID
	s.catMu.RUnlock()
	jobs, err := s.meta.jobsAfter(ctx, last)
	if err != nil {
		s.lg.Warn("load ddl history failed", zap.Error(err))
		return
	}
	if len(jobs) == 0 {
		return
	}
	s.engineMu.Lock()
	defer s.engineMu.Unlock()
	if err := s.catchUp(ctx); err != nil {
		s.lg.Warn("load ddl history failed", zap.Error(err))
	}
}

// runShared runs a statement on a connection's engine session, beside the
// statements of other connections (DDL waits for it).
func (s *Server) runShared(cs *connState, run runFn, cb resultFn) error {
	s.prepareSession(cs)
	s.engineMu.RLock()
	defer s.engineMu.RUnlock()
	return run(cb)
}
