package tidblite

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// RECOVER TABLE t and FLASHBACK TABLE t [TO t2]: TiDB brings a dropped (or,
// for FLASHBACK, truncated) table back under its old ID with its rows, as
// one ActionRecoverTable job and no row binlogs. tidb-lite keeps what it
// needs in memory, in a recycle bin filled at every DROP and TRUNCATE
// TABLE (its own or replayed): the table's CREATE statement as the engine
// has it, its rows and their _tidb_rowid handles.

var (
	reRecover   = regexp.MustCompile(`(?is)^\s*recover\s+table\s+(?:` + ident + `\s*\.\s*)?` + ident + `\s*;?\s*$`)
	reFlashback = regexp.MustCompile(`(?is)^\s*flashback\s+table\s+(?:` + ident + `\s*\.\s*)?` + ident +
		`(?:\s+to\s+` + ident + `)?\s*;?\s*$`)
)

// recycled is a dropped or truncated table.
type recycled struct {
	schemaID  int64
	info      *model.TableInfo // as it was before the drop or truncate
	create    string           // SHOW CREATE TABLE of the engine
	rows      []sql.Row
	handles   *tableRowIDs
	truncated bool
}

// recycleBin holds the dropped and truncated tables, newest last.
type recycleBin struct {
	mu     sync.Mutex
	tables []*recycled
}

// recycleBinSize bounds the bin: older tables can no longer be recovered
// (TiDB's limit is the GC safe point).
const recycleBinSize = 32

func (b *recycleBin) put(r *recycled) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tables = append(b.tables, r)
	if n := len(b.tables); n > recycleBinSize {
		b.tables = append(b.tables[:0:0], b.tables[n-recycleBinSize:]...)
	}
}

// find returns the newest table named name in schemaID that was dropped
// (or, with truncated, also truncated).
func (b *recycleBin) find(schemaID int64, name string, truncated bool) *recycled {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.tables) - 1; i >= 0; i-- {
		r := b.tables[i]
		if r.schemaID == schemaID && r.info.Name.L == strings.ToLower(name) && (truncated || !r.truncated) {
			return r
		}
	}
	return nil
}

// remove takes a recovered table out of the bin.
func (b *recycleBin) remove(r *recycled) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, x := range b.tables {
		if x == r {
			b.tables = append(b.tables[:i], b.tables[i+1:]...)
			return
		}
	}
}

// classifyRecover recognizes RECOVER TABLE and FLASHBACK TABLE.
func classifyRecover(query string) (metaDDL, bool) {
	if m := reRecover.FindStringSubmatch(query); m != nil {
		return metaDDL{action: model.ActionRecoverTable, db: identAt(m, 1), table: identAt(m, 3)}, true
	}
	if m := reFlashback.FindStringSubmatch(query); m != nil {
		md := metaDDL{action: model.ActionRecoverTable, db: identAt(m, 1), table: identAt(m, 3), flashback: true}
		md.newName = identAt(m, 5)
		return md, true
	}
	return metaDDL{}, false
}

// planRecover finds the table to bring back, with TiDB's errors.
func (s *Server) planRecover(m metaDDL, query, curDB string) (*ddlPlan, error) {
	p := &ddlPlan{action: m.action, query: strings.TrimRight(strings.TrimSpace(query), "; \t\n"), dbName: m.db}
	if p.dbName == "" {
		p.dbName = curDB
	}
	p.db = s.cat.dbByName(p.dbName)
	if p.db == nil {
		return nil, mysql.NewSQLError(mysql.ERBadDb, mysql.SSUnknownSQLState, "Unknown database '%s'", p.dbName)
	}
	newName := m.table
	if m.newName != "" {
		newName = m.newName
	}
	if _, t := s.cat.table(p.dbName, newName); t != nil {
		return nil, mysql.NewSQLError(mysql.ERTableExists, mysql.SSUnknownSQLState, "Table '%s' already exists", newName)
	}
	rec := s.bin.find(p.db.ID, m.table, m.flashback)
	if rec == nil {
		return nil, mysql.NewSQLError(1105, "HY000", "Can't find dropped/truncated table '%s' in GC safe point", m.table)
	}
	if _, t := s.cat.tableByID(rec.info.ID); t != nil {
		return nil, mysql.NewSQLError(1105, "HY000", "Table '%s' already been recover to '%s', can't be recover repeatedly",
			m.table, t.Name.O)
	}
	p.dbName, p.table, p.tableName, p.newTableName, p.recover = p.db.Name.O, rec.info, rec.info.Name.O, newName, rec
	return p, nil
}

// recoverJobInfo is the table info and arguments of a recover job: the old
// info under the new name, public again.
func recoverJobInfo(r *ddlRun, job *model.Job) error {
	p := r.plan
	ti, err := p.table.Clone()
	if err != nil {
		return fmt.Errorf("clone table info: %w", err)
	}
	ti.Name, ti.State, ti.UpdateTS = model.NewCIStr(p.newTableName), model.StatePublic, uint64(r.startTS)
	job.TableID, job.TableName, job.SchemaName = ti.ID, ti.Name.L, p.db.Name.L
	job.BinlogInfo.TableInfo = ti
	info := map[string]any{"SchemaID": p.db.ID, "TableInfo": ti, "OldSchemaName": p.db.Name.L,
		"OldTableName": p.tableName}
	return setArgs(job, info, 0)
}

// captureRecycled keeps a table about to be dropped or truncated.
func (s *Server) captureRecycled(ctx context.Context, schemaID int64, db string, ti *model.TableInfo, truncated bool) {
	if ti == nil || (len(ti.Sequence) > 0 && string(ti.Sequence) != "null") {
		return
	}
	create, err := s.showCreate(ctx, db, ti.Name.O)
	if err != nil {
		s.lg.Warn("keep dropped table for recover failed", zap.String("table", ti.Name.O), zap.Error(err))
		return
	}
	rows, err := s.scanRows(ctx, db, ti.Name.O)
	if err != nil {
		s.lg.Warn("keep dropped table rows for recover failed", zap.String("table", ti.Name.O), zap.Error(err))
		return
	}
	s.bin.put(&recycled{schemaID: schemaID, info: ti, create: create, rows: rows, handles: s.ids.tables[ti.ID],
		truncated: truncated})
}

// showCreate is the engine's CREATE TABLE statement of a table.
func (s *Server) showCreate(ctx context.Context, db, table string) (string, error) {
	c := s.engineCtx(ctx, db)
	_, iter, _, err := s.engine.Query(c, "SHOW CREATE TABLE "+qualified(db, table))
	if err != nil {
		return "", fmt.Errorf("show create table %s: %w", table, err)
	}
	rows, err := sql.RowIterToRows(c, iter)
	if err != nil || len(rows) != 1 || len(rows[0]) < 2 {
		return "", fmt.Errorf("show create table %s: %d rows: %w", table, len(rows), err)
	}
	return fmt.Sprint(rows[0][1]), nil
}

// restoreRecycled creates the recovered table in the engine under its new
// name and puts its rows and handles back.
func (s *Server) restoreRecycled(ctx context.Context, db, newName string, rec *recycled) error {
	create := rec.create
	if i := strings.Index(create, "("); i > 0 {
		create = "CREATE TABLE " + qualified(db, newName) + " " + create[i:]
	}
	if err := s.execInternal(ctx, db, create); err != nil {
		return err
	}
	evs := make([]rowEvent, len(rec.rows))
	for i, row := range rec.rows {
		evs[i] = rowEvent{kind: evInsert, db: db, table: newName, new: row}
	}
	if len(evs) > 0 {
		if err := s.applyEvents(ctx, evs); err != nil {
			return fmt.Errorf("restore rows of %s: %w", newName, err)
		}
	}
	if rec.handles != nil {
		s.ids.tables[rec.info.ID] = rec.handles
	}
	s.bin.remove(rec)
	return nil
}
