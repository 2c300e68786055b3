package tidblite

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
)

// This file wraps go-mysql-server's in-memory provider, databases and tables
// so that every row change reaches a rowSink, tagged with the session (=
// MySQL connection) id. The handler decides what a change means: it is
// buffered per connection and becomes part of a binlog only when the
// statement succeeds and the transaction commits.

// eventKind is the kind of a row change.
type eventKind int

const (
	evInsert eventKind = iota
	evUpdate
	evDelete
)

// rowEvent is one row change seen by a table editor.
type rowEvent struct {
	kind  eventKind
	db    string
	table string
	old   sql.Row        // update, delete
	new   sql.Row        // insert, update
	loc   *time.Location // the session time zone (TIMESTAMP values)
}

// rowSink receives the row changes of a session.
type rowSink interface {
	recordRow(sessionID uint32, ev rowEvent)
}

var _ rowSink = (*Server)(nil)

// hookProvider returns hooked databases.
type hookProvider struct {
	*memory.DbProvider
	sink    rowSink
	autoInc *autoIncs
}

var _ sql.MutableDatabaseProvider = (*hookProvider)(nil)

func (p *hookProvider) wrap(db sql.Database) sql.Database {
	if mdb, ok := db.(*memory.Database); ok {
		return &hookDB{Database: mdb, sink: p.sink, autoInc: p.autoInc}
	}
	return db
}

// Database implements sql.DatabaseProvider.
func (p *hookProvider) Database(ctx *sql.Context, name string) (sql.Database, error) {
	db, err := p.DbProvider.Database(ctx, name)
	if err != nil {
		return nil, err
	}
	return p.wrap(db), nil
}

// AllDatabases implements sql.DatabaseProvider.
func (p *hookProvider) AllDatabases(ctx *sql.Context) []sql.Database {
	all := p.DbProvider.AllDatabases(ctx)
	out := make([]sql.Database, len(all))
	for i, db := range all {
		out[i] = p.wrap(db)
	}
	return out
}

// hookDB returns hooked tables.
type hookDB struct {
	*memory.Database
	sink    rowSink
	autoInc *autoIncs
}

// GetTableInsensitive implements sql.Database.
func (d *hookDB) GetTableInsensitive(ctx *sql.Context, name string) (sql.Table, bool, error) {
	t, ok, err := d.Database.GetTableInsensitive(ctx, name)
	if err != nil || !ok {
		return t, ok, err
	}
	if mt, isMem := t.(*memory.Table); isMem {
		return &hookTable{Table: mt, db: d.Name(), sink: d.sink, autoInc: d.autoInc}, true, nil
	}
	return t, ok, nil
}

// hookTable intercepts the editors of a memory table.
type hookTable struct {
	*memory.Table
	db      string
	sink    rowSink
	autoInc *autoIncs
}

// autoIncKey names a table's AUTO_INCREMENT counter.
func autoIncKey(db, table string) string { return strings.ToLower(db) + "." + strings.ToLower(table) }

// GetNextAutoIncrementValue implements sql.AutoIncrementTable: values come
// from the counter shared by every session (occ.go).
func (t *hookTable) GetNextAutoIncrementValue(ctx *sql.Context, given any) (uint64, error) {
	local, err := t.Table.GetNextAutoIncrementValue(ctx, given)
	if err != nil || t.autoInc == nil {
		return local, err
	}
	var g uint64
	if given != nil {
		v, _, err := types.Uint64.Convert(ctx, given)
		if err != nil {
			return local, nil //nolint:nilerr // the engine reports the bad value
		}
		g, _ = v.(uint64)
	}
	return t.autoInc.value(t.db, t.Name(), g, given != nil, local), nil
}

func (t *hookTable) editor(ctx *sql.Context) *hookEditor {
	inner := t.Table.GetForeignKeyEditor(ctx)
	return &hookEditor{ForeignKeyEditor: inner, db: t.db, table: t.Name(), sink: t.sink}
}

// GetForeignKeyEditor implements sql.ForeignKeyTable (cascading changes).
func (t *hookTable) GetForeignKeyEditor(ctx *sql.Context) sql.ForeignKeyEditor {
	return t.editor(ctx)
}

// Inserter implements sql.InsertableTable.
func (t *hookTable) Inserter(ctx *sql.Context) sql.RowInserter {
	return t.editor(ctx)
}

// Updater implements sql.UpdatableTable.
func (t *hookTable) Updater(ctx *sql.Context) sql.RowUpdater {
	return t.editor(ctx)
}

// Replacer implements sql.ReplaceableTable.
func (t *hookTable) Replacer(ctx *sql.Context) sql.RowReplacer {
	return t.editor(ctx)
}

// Deleter implements sql.DeletableTable.
func (t *hookTable) Deleter(ctx *sql.Context) sql.RowDeleter {
	return t.editor(ctx)
}

// IndexedAccess implements sql.IndexAddressableTable; without it, UPDATE and
// DELETE with an index lookup would edit through the unwrapped table.
func (t *hookTable) IndexedAccess(ctx *sql.Context, lookup sql.IndexLookup) sql.IndexedTable {
	it := t.Table.IndexedAccess(ctx, lookup)
	mit, ok := it.(*memory.IndexedTable)
	if !ok {
		return it
	}
	return &hookIndexedTable{IndexedTable: mit, hook: &hookTable{Table: mit.Table, db: t.db, sink: t.sink, autoInc: t.autoInc}}
}

// Truncate implements sql.TruncateableTable: a DELETE without WHERE is run
// as a truncate, and TiDB writes every deleted row. The handler drops these
// events when the statement is TRUNCATE TABLE.
func (t *hookTable) Truncate(ctx *sql.Context) (int, error) {
	rows, err := t.allRows(ctx)
	if err != nil {
		return 0, err
	}
	n, err := t.Table.Truncate(ctx)
	if err != nil {
		return n, err
	}
	for _, r := range rows {
		t.sink.recordRow(ctx.Session.ID(), rowEvent{kind: evDelete, db: t.db, table: t.Name(), old: r, loc: sessionLocation(ctx)})
	}
	return n, nil
}

func (t *hookTable) allRows(ctx *sql.Context) ([]sql.Row, error) {
	parts, err := t.Table.Partitions(ctx)
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	defer parts.Close(ctx)
	var out []sql.Row
	for {
		p, err := parts.Next(ctx)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("next partition: %w", err)
		}
		rows, err := t.partitionRows(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
}

func (t *hookTable) partitionRows(ctx *sql.Context, p sql.Partition) ([]sql.Row, error) {
	it, err := t.Table.PartitionRows(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("scan partition: %w", err)
	}
	defer it.Close(ctx)
	var out []sql.Row
	for {
		r, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("scan row: %w", err)
		}
		out = append(out, r.Copy())
	}
}

// hookIndexedTable is the indexed-access form of a hookTable.
type hookIndexedTable struct {
	*memory.IndexedTable
	hook *hookTable
}

// Inserter implements sql.InsertableTable.
func (t *hookIndexedTable) Inserter(ctx *sql.Context) sql.RowInserter { return t.hook.Inserter(ctx) }

// Updater implements sql.UpdatableTable.
func (t *hookIndexedTable) Updater(ctx *sql.Context) sql.RowUpdater { return t.hook.Updater(ctx) }

// Replacer implements sql.ReplaceableTable.
func (t *hookIndexedTable) Replacer(ctx *sql.Context) sql.RowReplacer { return t.hook.Replacer(ctx) }

// GetForeignKeyEditor implements sql.ForeignKeyTable.
func (t *hookIndexedTable) GetForeignKeyEditor(ctx *sql.Context) sql.ForeignKeyEditor {
	return t.hook.GetForeignKeyEditor(ctx)
}

// Deleter implements sql.DeletableTable.
func (t *hookIndexedTable) Deleter(ctx *sql.Context) sql.RowDeleter { return t.hook.Deleter(ctx) }

// Truncate implements sql.TruncateableTable.
func (t *hookIndexedTable) Truncate(ctx *sql.Context) (int, error) { return t.hook.Truncate(ctx) }

// hookEditor forwards to the memory editor and records successful edits.
type hookEditor struct {
	sql.ForeignKeyEditor
	db    string
	table string
	sink  rowSink
}

var _ sql.ForeignKeyEditor = (*hookEditor)(nil)

func (e *hookEditor) record(ctx *sql.Context, ev rowEvent) {
	ev.db, ev.table = e.db, e.table
	ev.loc = sessionLocation(ctx)
	e.sink.recordRow(ctx.Session.ID(), ev)
}

// StatementBegin implements sql.EditOpenerCloser. The engine's editor
// takes its undo copy here; the table data it is about to change then gets
// index rows of its own (indexrows.go), so its changes reach no other copy.
func (e *hookEditor) StatementBegin(ctx *sql.Context) {
	e.ForeignKeyEditor.StatementBegin(ctx)
	ownEditorIndexRows(e.ForeignKeyEditor)
}

// Insert implements sql.RowInserter.
func (e *hookEditor) Insert(ctx *sql.Context, row sql.Row) error {
	if err := e.ForeignKeyEditor.Insert(ctx, row); err != nil {
		return err
	}
	e.record(ctx, rowEvent{kind: evInsert, new: row.Copy()})
	return nil
}

// Update implements sql.RowUpdater.
func (e *hookEditor) Update(ctx *sql.Context, old, new sql.Row) error {
	if err := e.ForeignKeyEditor.Update(ctx, old, new); err != nil {
		return err
	}
	e.record(ctx, rowEvent{kind: evUpdate, old: old.Copy(), new: new.Copy()})
	return nil
}

// Delete implements sql.RowDeleter.
func (e *hookEditor) Delete(ctx *sql.Context, row sql.Row) error {
	if err := e.ForeignKeyEditor.Delete(ctx, row); err != nil {
		return err
	}
	e.record(ctx, rowEvent{kind: evDelete, old: row.Copy()})
	return nil
}
