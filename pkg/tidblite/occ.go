package tidblite

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// Transactions are optimistic, as TiDB's with `BEGIN OPTIMISTIC`: many
// sessions run their statements at the same time, each on its own copy of
// the tables it touches (the in-memory engine copies a table into the
// session at its first use in a transaction). The engine never writes
// those copies back: a session stays inside an engine transaction that is
// only ever rolled back. At COMMIT the transaction's row changes are
// re-applied to the tables as they are now (applyEvents), after a
// write-write conflict check against the keys other transactions committed
// since its start_ts. Only that check and apply run one at a time
// (commitMu); DDL excludes every statement and commit (engineMu).

// codeWriteConflict and codeInfoSchemaChanged are TiDB's error codes.
const (
	codeWriteConflict     = 9007
	codeInfoSchemaChanged = 8028
)

// writeConflictError is TiDB's [kv:9007] error as the client sees it.
func writeConflictError(startTS int64, c conflict) error {
	return mysql.NewSQLError(codeWriteConflict, mysql.SSUnknownSQLState,
		"Write conflict, txnStartTS=%d, conflictStartTS=%d, conflictCommitTS=%d, key=%s, originalKey=%x, "+
			"primary=[]byte(nil), originalPrimaryKey=, reason=Optimistic [try again later]",
		startTS, c.rec.startTS, c.rec.commitTS, c.desc, c.key)
}

// errInfoSchemaChanged is TiDB's [domain:8028] error: a DDL changed a
// table the transaction wrote.
var errInfoSchemaChanged = mysql.NewSQLError(codeInfoSchemaChanged, mysql.SSUnknownSQLState,
	"Information schema is changed during the execution of the statement(for example, table definition may be "+
		"updated by other DDL ran in parallel). If you see this error often, try increasing "+
		"`tidb_max_delta_schema_count`. [try again later]")

// commitRec is the transaction that last committed a key.
type commitRec struct {
	startTS, commitTS int64
}

// conflict describes a key written by a newer transaction.
type conflict struct {
	key  []byte
	desc string
	rec  commitRec
}

// pruneAt is the size of the committed-key table that triggers pruning.
const pruneAt = 1 << 16

// writeSets remembers the last commit of every key written by a recent
// transaction. Guarded by the server's commitMu, except applying.
type writeSets struct {
	committed map[string]commitRec
	// tableVersion is the schema version of the last DDL job on a table ID.
	tableVersion map[int64]int64
	// applying is held by a commit from taking its commit_ts until its
	// changes are in the tables; start_ts is taken under its read lock. A
	// transaction whose start_ts is after a commit_ts thus always reads
	// that commit's rows, as a TiDB reader waits for the lock of a
	// committing transaction. Without it a transaction could read a row
	// before a commit older than its start_ts changed it, and the
	// write-write check (commit_ts > start_ts) would let its stale change
	// through.
	applying sync.RWMutex
}

// takeStartTS returns a start_ts after which every older commit is applied.
func (s *Server) takeStartTS(ctx context.Context) (int64, error) {
	s.wsets.applying.RLock()
	defer s.wsets.applying.RUnlock()
	ts, err := s.tso.TSO(ctx)
	if err != nil {
		return 0, fmt.Errorf("get start ts: %w", err)
	}
	return ts, nil
}

// takeCommitTS returns a commit_ts; done must be called once the commit's
// changes are applied (or discarded). On error nothing is held.
func (s *Server) takeCommitTS(ctx context.Context) (ts int64, done func(), err error) {
	s.wsets.applying.Lock()
	ts, err = s.tso.TSO(ctx)
	if err != nil {
		s.wsets.applying.Unlock()
		return 0, nil, fmt.Errorf("get commit ts: %w", err)
	}
	return ts, s.wsets.applying.Unlock, nil
}

func newWriteSets() *writeSets {
	return &writeSets{committed: map[string]commitRec{}, tableVersion: map[int64]int64{}}
}

// check returns the first key of keys committed after startTS.
func (w *writeSets) check(keys []txnKey, startTS int64) (conflict, bool) {
	for _, k := range keys {
		if rec, ok := w.committed[string(k.key)]; ok && rec.commitTS > startTS {
			return conflict{key: k.key, desc: k.desc(), rec: rec}, true
		}
	}
	return conflict{}, false
}

// record stores the commit of keys; when the table is large, entries older
// than oldest (the oldest open start_ts) are dropped: no open transaction
// can conflict with them.
func (w *writeSets) record(keys []txnKey, rec commitRec, oldest int64) {
	if len(w.committed) > pruneAt {
		for k, r := range w.committed {
			if r.commitTS < oldest {
				delete(w.committed, k)
			}
		}
	}
	for _, k := range keys {
		w.committed[string(k.key)] = rec
	}
}

// schemaChanged reports whether a DDL job newer than version changed one of
// the tables.
func (w *writeSets) schemaChanged(tableIDs []int64, version int64) bool {
	for _, id := range tableIDs {
		if w.tableVersion[id] > version {
			return true
		}
	}
	return false
}

// eventTableIDs returns the IDs the catalog gives the tables of events.
func (s *Server) eventTableIDs(evs []rowEvent) []int64 {
	s.catMu.RLock()
	defer s.catMu.RUnlock()
	seen := map[string]bool{}
	var ids []int64
	for _, ev := range evs {
		k := autoIncKey(ev.db, ev.table)
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, ti := s.cat.table(ev.db, ev.table); ti != nil {
			ids = append(ids, ti.ID)
		}
	}
	return ids
}

// oldestStartTS returns the smallest start_ts of the open transactions
// (or limit when none is older).
func (s *Server) oldestStartTS(limit int64) int64 {
	oldest := limit
	for _, cs := range s.conns.all() {
		s.conns.mu.Lock()
		if cs.txn != nil && cs.txn.startTS < oldest {
			oldest = cs.txn.startTS
		}
		s.conns.mu.Unlock()
	}
	return oldest
}

// markDDL records that a DDL job changed its tables.
func (s *Server) markDDL(tableIDs []int64, version int64) {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	for _, id := range tableIDs {
		if id != 0 {
			s.wsets.tableVersion[id] = version
		}
	}
}

// prepareSession keeps a connection's engine session inside an engine
// transaction with autocommit ignored, so the engine never writes the
// session's table copies back on its own.
func (s *Server) prepareSession(cs *connState) {
	sess := s.sessionOf(cs)
	if sess == nil {
		return
	}
	if sess.GetTransaction() == nil {
		c := sql.NewContext(context.Background(), sql.WithSession(sess))
		tx, err := sess.StartTransaction(c, sql.ReadWrite)
		if err == nil {
			sess.SetTransaction(tx)
		}
	}
	sess.SetIgnoreAutoCommit(true)
}

// resetSession drops a connection's table copies: its next statement sees
// the committed tables.
func (s *Server) resetSession(cs *connState) {
	sess := s.sessionOf(cs)
	if sess == nil {
		return
	}
	c := sql.NewContext(context.Background(), sql.WithSession(sess))
	_ = sess.Rollback(c, sess.GetTransaction())
}

func (s *Server) sessionOf(cs *connState) *memory.Session {
	s.conns.mu.Lock()
	defer s.conns.mu.Unlock()
	return cs.session
}

// applyEvents applies a transaction's row changes, in order, to the
// committed tables on a private session, and commits that session. Called
// with commitMu held.
func (s *Server) applyEvents(ctx context.Context, evs []rowEvent) error {
	c := s.engineCtx(ctx, "")
	sess := memory.SessionFromContext(c)
	tx, err := sess.StartTransaction(c, sql.ReadWrite)
	if err != nil {
		return fmt.Errorf("start apply: %w", err)
	}
	c.SetTransaction(tx)
	eds := map[string]sql.TableEditor{}
	var order []sql.TableEditor
	for _, ev := range evs {
		ed, err := s.applyEditor(c, eds, &order, ev)
		if err != nil {
			return err
		}
		if err := applyOne(c, ed, ev); err != nil {
			_ = sess.Rollback(c, tx)
			return fmt.Errorf("apply row change to %s.%s: %w", ev.db, ev.table, err)
		}
	}
	for _, ed := range order {
		if err := ed.StatementComplete(c); err != nil {
			return fmt.Errorf("apply row changes: %w", err)
		}
		if err := ed.Close(c); err != nil {
			return fmt.Errorf("apply row changes: %w", err)
		}
	}
	if err := sess.CommitTransaction(c, tx); err != nil {
		return fmt.Errorf("commit row changes: %w", err)
	}
	return nil
}

// applyEditor returns the editor of an event's table, opening it once.
func (s *Server) applyEditor(c *sql.Context, eds map[string]sql.TableEditor, order *[]sql.TableEditor, ev rowEvent) (sql.TableEditor, error) {
	k := strings.ToLower(ev.db) + "." + strings.ToLower(ev.table)
	if ed, ok := eds[k]; ok {
		return ed, nil
	}
	t, err := s.engineTable(c, ev.db, ev.table)
	if err != nil {
		return nil, err
	}
	ut, ok := t.(sql.UpdatableTable)
	if !ok {
		return nil, fmt.Errorf("table %s.%s is read-only", ev.db, ev.table)
	}
	ed, ok := ut.Updater(c).(sql.TableEditor)
	if !ok {
		return nil, fmt.Errorf("table %s.%s has no editor", ev.db, ev.table)
	}
	ed.StatementBegin(c)
	// The engine's own editor (no hooks here): its rows must not move the
	// index rows the open transactions' copies share (indexrows.go).
	ownEditorIndexRows(ed)
	eds[k] = ed
	*order = append(*order, ed)
	return ed, nil
}

func applyOne(c *sql.Context, ed sql.TableEditor, ev rowEvent) error {
	switch ev.kind {
	case evInsert:
		return ed.Insert(c, ev.new)
	case evDelete:
		return ed.Delete(c, ev.old)
	default:
		return ed.Update(c, ev.old, ev.new)
	}
}

// autoIncs hands out AUTO_INCREMENT values shared by every session: each
// session works on its own copy of a table, whose counter alone would give
// two concurrent inserts the same value. Like TiDB, values come from the
// table's auto-ID allocator in the meta store (shared with _tidb_rowid), so
// several instances writing one table take disjoint ranges.
type autoIncs struct {
	mu      sync.Mutex
	next    map[string]uint64
	batches map[string]*idBatch
	// reserve reserves a range of IDs for a table: it returns the last one
	// (ok false: the table is unknown to the catalog).
	reserve func(db, table string) (last uint64, ok bool)
}

// idBatch is the reserved range [next, last] of a table.
type idBatch struct{ next, last uint64 }

func newAutoIncs() *autoIncs {
	return &autoIncs{next: map[string]uint64{}, batches: map[string]*idBatch{}}
}

// fromAllocator returns the next reserved ID of a table (0: none).
func (a *autoIncs) fromAllocator(key, db, table string) uint64 {
	if a.reserve == nil {
		return 0
	}
	b := a.batches[key]
	if b == nil || b.next > b.last {
		last, ok := a.reserve(db, table)
		if !ok {
			return 0
		}
		b = &idBatch{next: last - autoIDStep + 1, last: last}
		a.batches[key] = b
	}
	v := b.next
	b.next++
	return v
}

// value returns the value for an insert: given is the inserted value
// (false for none), local the next value of the session's copy.
func (a *autoIncs) value(db, table string, given uint64, hasGiven bool, local uint64) uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	key := autoIncKey(db, table)
	n := a.next[key]
	if hasGiven {
		if given+1 > n {
			a.next[key] = given + 1
		}
		return local
	}
	v := max(local, n, a.fromAllocator(key, db, table))
	a.next[key] = v + 1
	return v
}

// forget drops a table's counter (dropped, truncated or renamed).
func (a *autoIncs) forget(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.next, key)
	delete(a.batches, key)
}

// reserveAutoIDs reserves a range of a table's auto IDs in the meta store.
func (s *Server) reserveAutoIDs(db, table string) (uint64, bool) {
	s.catMu.RLock()
	_, ti := s.cat.table(db, table)
	s.catMu.RUnlock()
	if ti == nil {
		return 0, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), etcdOpTimeout)
	defer cancel()
	last, err := s.meta.alloc(ctx, autoIDCounter(ti.ID), autoIDStep)
	if err != nil {
		s.lg.Warn("reserve auto ids failed", zap.String("table", table), zap.Error(err))
		return 0, false
	}
	return uint64(last), true
}

// markJob records the tables a finished DDL job changed: open transactions
// that wrote them fail at COMMIT, and their AUTO_INCREMENT counters restart
// when the table is new.
func (s *Server) markJob(job *model.Job) {
	if job.BinlogInfo == nil {
		return
	}
	ids := []int64{job.TableID}
	if ti := job.BinlogInfo.TableInfo; ti != nil {
		ids = append(ids, ti.ID)
		switch job.Type {
		case model.ActionCreateTable, model.ActionDropTable, model.ActionTruncateTable, model.ActionRenameTable:
			s.autoInc.forget(autoIncKey(job.SchemaName, ti.Name.O))
		}
	}
	s.markDDL(ids, job.BinlogInfo.SchemaVersion)
}
