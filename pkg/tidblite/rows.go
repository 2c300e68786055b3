package tidblite

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// mutationBuilder turns a transaction's row events into TiDB's
// PrewriteValue (one TableMutation per table, rows encoded as in
// table/tables.go) and finds the transaction's primary key: the smallest of
// the row and index keys it writes, as the 2PC committer picks it.
type mutationBuilder struct {
	cat  *catalog
	ids  *rowIDs
	undo []func() // reverts rowIDs changes if the transaction fails

	muts    []*binlogpb.TableMutation
	byTable map[int64]*binlogpb.TableMutation
	primary []byte
	keys    []txnKey // every row and index key written, for conflict checks
	dbName  string   // the schema of the event being added

	// startTS is the transaction's start_ts (0: unknown, as in unit tests);
	// taken lists the row contents it changed, retired when it commits.
	startTS int64
	taken   []takenRow
}

// takenRow is the content fp a row (handle h) of table id had before the
// transaction changed it.
type takenRow struct {
	id, h int64
	fp    string
}

// txnKey is a key a transaction writes, with TiDB's description of it.
type txnKey struct {
	key  []byte
	desc func() string
}

func newMutationBuilder(cat *catalog, ids *rowIDs) *mutationBuilder {
	return &mutationBuilder{cat: cat, ids: ids, byTable: map[int64]*binlogpb.TableMutation{}}
}

// rollback reverts the handle bookkeeping of the events added so far.
func (b *mutationBuilder) rollback() {
	for i := len(b.undo) - 1; i >= 0; i-- {
		b.undo[i]()
	}
	b.undo, b.taken = nil, nil
}

// committed records, once the transaction committed at commitTS, which
// handles lost which contents (see rowIDs); oldest is the oldest open
// start_ts.
func (b *mutationBuilder) committed(commitTS, oldest int64) {
	for _, tr := range b.taken {
		b.ids.retire(tr.id, tr.fp, tr.h, commitTS, oldest)
	}
	b.undo, b.taken = nil, nil
}

// empty reports whether no row changed.
func (b *mutationBuilder) empty() bool { return len(b.muts) == 0 }

// prewriteValue returns the marshaled PrewriteValue.
func (b *mutationBuilder) prewriteValue(schemaVersion int64) ([]byte, error) {
	pv := &binlogpb.PrewriteValue{SchemaVersion: proto.Int64(schemaVersion), Mutations: b.muts}
	out, err := proto.Marshal(pv)
	if err != nil {
		return nil, fmt.Errorf("marshal prewrite value: %w", err)
	}
	return out, nil
}

func (b *mutationBuilder) mutation(tableID int64) *binlogpb.TableMutation {
	m, ok := b.byTable[tableID]
	if !ok {
		m = &binlogpb.TableMutation{TableId: proto.Int64(tableID)}
		b.byTable[tableID] = m
		b.muts = append(b.muts, m)
	}
	return m
}

func (b *mutationBuilder) key(k []byte, desc func() string) {
	b.keys = append(b.keys, txnKey{key: k, desc: desc})
	if b.primary == nil || bytes.Compare(k, b.primary) < 0 {
		b.primary = k
	}
}

// add encodes one row event. Events on tables the catalog does not know
// (system tables) are ignored.
func (b *mutationBuilder) add(ctx context.Context, ev rowEvent) error {
	dbi, ti := b.cat.table(ev.db, ev.table)
	if ti == nil {
		return nil
	}
	b.dbName = ev.db
	if dbi != nil {
		b.dbName = dbi.Name.O
	}
	loc := ev.loc
	if loc == nil {
		loc = time.UTC
	}
	switch ev.kind {
	case evInsert:
		return b.insert(ctx, ti, ev.new, loc)
	case evDelete:
		return b.delete(ctx, ti, ev.old, loc)
	default:
		return b.update(ctx, ti, ev.old, ev.new, loc)
	}
}

// handleOf returns the handle of an existing row (delete, update).
func (b *mutationBuilder) handleOf(ctx context.Context, ti *model.TableInfo, row sql.Row) (int64, string, error) {
	if ti.PKIsHandle {
		pk := ti.GetPkColInfo()
		return toInt64(row[pk.Offset]), "", nil
	}
	fp, err := fingerprint(ti, row)
	if err != nil {
		return 0, "", err
	}
	if h, ok := b.ids.pop(ti.ID, fp); ok {
		b.undo = append(b.undo, func() { b.ids.push(ti.ID, fp, h) })
		b.taken = append(b.taken, takenRow{id: ti.ID, h: h, fp: fp})
		return h, fp, nil
	}
	if b.startTS > 0 {
		// Changed by a transaction that committed after ours started: the
		// row's own handle makes the write-write check fail this one.
		if h, ok := b.ids.goneSince(ti.ID, fp, b.startTS); ok {
			return h, fp, nil
		}
	}
	h, err := b.ids.alloc(ctx, ti.ID) // a row this instance never saw inserted
	return h, fp, err
}

// newHandle returns the handle of an inserted row.
func (b *mutationBuilder) newHandle(ctx context.Context, ti *model.TableInfo, row sql.Row) (int64, error) {
	if ti.PKIsHandle {
		return toInt64(row[ti.GetPkColInfo().Offset]), nil
	}
	h, err := b.ids.alloc(ctx, ti.ID)
	if err != nil {
		return 0, err
	}
	return h, b.register(ti, row, h)
}

func (b *mutationBuilder) register(ti *model.TableInfo, row sql.Row, h int64) error {
	fp, err := fingerprint(ti, row)
	if err != nil {
		return err
	}
	b.ids.push(ti.ID, fp, h)
	b.undo = append(b.undo, func() { b.ids.remove(ti.ID, fp, h) })
	return nil
}

func (b *mutationBuilder) insert(ctx context.Context, ti *model.TableInfo, row sql.Row, loc *time.Location) error {
	pid, err := physicalID(ti, row)
	if err != nil {
		return err
	}
	h, err := b.newHandle(ctx, ti, row)
	if err != nil {
		return err
	}
	enc, err := encodeInsertRow(ti, h, row, loc)
	if err != nil {
		return err
	}
	m := b.mutation(pid)
	m.InsertedRows = append(m.InsertedRows, enc)
	m.Sequence = append(m.Sequence, binlogpb.MutationType_Insert)
	return b.addKeys(ti, pid, h, row)
}

func (b *mutationBuilder) delete(ctx context.Context, ti *model.TableInfo, row sql.Row, loc *time.Location) error {
	pid, err := physicalID(ti, row)
	if err != nil {
		return err
	}
	h, _, err := b.handleOf(ctx, ti, row)
	if err != nil {
		return err
	}
	enc, err := encodeFullRow(nil, ti, h, row, loc, false)
	if err != nil {
		return err
	}
	m := b.mutation(pid)
	m.DeletedRows = append(m.DeletedRows, enc)
	m.Sequence = append(m.Sequence, binlogpb.MutationType_DeleteRow)
	return b.addKeys(ti, pid, h, row)
}

func (b *mutationBuilder) update(ctx context.Context, ti *model.TableInfo, old, new sql.Row, loc *time.Location) error {
	pid, err := physicalID(ti, old)
	if err != nil {
		return err
	}
	newPID, err := physicalID(ti, new)
	if err != nil {
		return err
	}
	if ti.PKIsHandle || pid != newPID {
		pk := ti.GetPkColInfo()
		// A new handle or another partition: TiDB removes and adds.
		if pid != newPID || toInt64(old[pk.Offset]) != toInt64(new[pk.Offset]) {
			if err := b.delete(ctx, ti, old, loc); err != nil {
				return err
			}
			return b.insert(ctx, ti, new, loc)
		}
	}
	h, _, err := b.handleOf(ctx, ti, old)
	if err != nil {
		return err
	}
	if !ti.PKIsHandle {
		if err := b.register(ti, new, h); err != nil {
			return err
		}
	}
	oldEnc, err := encodeFullRow(nil, ti, h, old, loc, true)
	if err != nil {
		return err
	}
	enc, err := encodeFullRow(oldEnc, ti, h, new, loc, true)
	if err != nil {
		return err
	}
	if bytes.Equal(enc[:len(oldEnc)], enc[len(oldEnc):]) {
		return nil // nothing changed: TiDB writes no mutation
	}
	m := b.mutation(pid)
	m.UpdatedRows = append(m.UpdatedRows, enc)
	m.Sequence = append(m.Sequence, binlogpb.MutationType_Update)
	return b.addUpdateKeys(ti, pid, h, old, new)
}

// addKeys offers the row key and the index keys of an inserted or deleted
// row (under its physical table ID pid) as primary key.
func (b *mutationBuilder) addKeys(ti *model.TableInfo, pid, h int64, row sql.Row) error {
	b.key(codec.EncodeRowKeyWithIntHandle(pid, h), b.rowDesc(ti, pid, h))
	for _, idx := range ti.Indices {
		k, err := indexKey(ti, pid, idx, h, row)
		if err != nil {
			return err
		}
		b.key(k, b.indexDesc(ti, pid, idx, row))
	}
	return nil
}

// addUpdateKeys offers the row key and the old and new keys of the indexes
// whose values changed.
func (b *mutationBuilder) addUpdateKeys(ti *model.TableInfo, pid, h int64, old, new sql.Row) error {
	b.key(codec.EncodeRowKeyWithIntHandle(pid, h), b.rowDesc(ti, pid, h))
	for _, idx := range ti.Indices {
		ko, err := indexKey(ti, pid, idx, h, old)
		if err != nil {
			return err
		}
		kn, err := indexKey(ti, pid, idx, h, new)
		if err != nil {
			return err
		}
		if !bytes.Equal(ko, kn) {
			b.key(ko, b.indexDesc(ti, pid, idx, old))
			b.key(kn, b.indexDesc(ti, pid, idx, new))
		}
	}
	return nil
}

// rowDesc describes a row key as TiDB's write conflict error does.
func (b *mutationBuilder) rowDesc(ti *model.TableInfo, pid, h int64) func() string {
	db := b.dbName
	return func() string { return fmt.Sprintf("{tableID=%d, tableName=%s.%s, handle=%d}", pid, db, ti.Name.O, h) }
}

// indexDesc describes an index key as TiDB's write conflict error does.
func (b *mutationBuilder) indexDesc(ti *model.TableInfo, pid int64, idx *model.IndexInfo, row sql.Row) func() string {
	db := b.dbName
	return func() string {
		vals := make([]string, len(idx.Columns))
		for i, ic := range idx.Columns {
			vals[i] = fmt.Sprint(row[ic.Offset])
		}
		return fmt.Sprintf("{tableID=%d, tableName=%s.%s, indexID=%d, indexValues={%s}}",
			pid, db, ti.Name.O, idx.ID, strings.Join(vals, ", "))
	}
}

func indexKey(ti *model.TableInfo, pid int64, idx *model.IndexInfo, h int64, row sql.Row) ([]byte, error) {
	vals := make([]codec.Datum, len(idx.Columns))
	for i, ic := range idx.Columns {
		d, err := toDatum(row[ic.Offset], ti.Columns[ic.Offset])
		if err != nil {
			return nil, err
		}
		vals[i] = d
	}
	k, err := codec.EncodeIndexKey(pid, idx.ID, vals, codec.IntHandle(h), idx.Unique)
	if err != nil {
		return nil, fmt.Errorf("index %s of %s: %w", idx.Name.O, ti.Name.O, err)
	}
	return k, nil
}

// isVirtual reports a VIRTUAL generated column: TiDB does not store it.
func isVirtual(col *model.ColumnInfo) bool { return col.IsGenerated() && !col.GeneratedStored }

// encodeInsertRow is EncodeValue(handle) ++ EncodeOldRow(columns that
// tables.CanSkip keeps): not the PK handle column, not a VIRTUAL generated
// column, and not a NULL whose column has no default and no origin default.
func encodeInsertRow(ti *model.TableInfo, h int64, row sql.Row, loc *time.Location) ([]byte, error) {
	out, err := codec.EncodeValue(nil, codec.NewIntDatum(h))
	if err != nil {
		return nil, fmt.Errorf("encode handle: %w", err)
	}
	ids := make([]int64, 0, len(ti.Columns))
	vals := make([]codec.Datum, 0, len(ti.Columns))
	for i, col := range ti.Columns {
		if (ti.PKIsHandle && model.HasPriKeyFlag(col.Flag)) || isVirtual(col) {
			continue
		}
		if row[i] == nil && col.DefaultValue == nil && col.OriginDefaultValue == nil {
			continue
		}
		d, err := toDatum(row[i], col)
		if err != nil {
			return nil, err
		}
		ids, vals = append(ids, col.ID), append(vals, d)
	}
	out, err = codec.EncodeOldRow(out, ids, vals, loc)
	if err != nil {
		return nil, fmt.Errorf("encode row of %s: %w", ti.Name.O, err)
	}
	return out, nil
}

// encodeFullRow appends EncodeOldRow over every column, plus _tidb_rowid
// (column id -1) for a table without a PK handle. Update rows leave out the
// VIRTUAL generated columns (tables.CanSkipUpdateBinlog); deleted rows keep
// them.
func encodeFullRow(b []byte, ti *model.TableInfo, h int64, row sql.Row, loc *time.Location, skipVirtual bool) ([]byte, error) {
	ids := make([]int64, 0, len(ti.Columns)+1)
	vals := make([]codec.Datum, 0, len(ti.Columns)+1)
	for i, col := range ti.Columns {
		if skipVirtual && isVirtual(col) {
			continue
		}
		d, err := toDatum(row[i], col)
		if err != nil {
			return nil, err
		}
		ids, vals = append(ids, col.ID), append(vals, d)
	}
	if !ti.PKIsHandle {
		ids, vals = append(ids, model.ExtraHandleID), append(vals, codec.NewIntDatum(h))
	}
	out, err := codec.EncodeOldRow(b, ids, vals, loc)
	if err != nil {
		return nil, fmt.Errorf("encode row of %s: %w", ti.Name.O, err)
	}
	return out, nil
}
