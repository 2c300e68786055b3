package tidblite

import (
	"context"
	"fmt"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// rowIDs gives the rows of tables whose handle is the hidden _tidb_rowid a
// stable handle. The engine has no such column, so each row is identified
// by its content: identical rows are interchangeable, and any of their
// handles may be used for any of them. Allocation reserves ranges from the
// meta store, so instances sharing a table never reuse a handle. Guarded by
// the engine lock.
//
// A row's content changes when it is updated, so the content a transaction
// saw may be gone by the time it commits: another transaction changed or
// deleted that row since its start_ts. gone remembers which handle such
// content had and when it went away, so the late transaction still writes
// the row's handle and the write-write check fails it as TiDB would,
// instead of applying its change to a row that no longer exists.
type rowIDs struct {
	meta   metaStore
	tables map[int64]*tableRowIDs
	goneN  int // entries in the tables' gone lists (pruning)
}

type tableRowIDs struct {
	byRow      map[string][]int64
	gone       map[string][]goneHandle
	next, last int64 // next free handle, last reserved one
}

// goneHandle is a handle whose row stopped having some content (updated or
// deleted) in the transaction that committed at commitTS.
type goneHandle struct{ h, commitTS int64 }

func newRowIDs(meta metaStore) *rowIDs {
	return &rowIDs{meta: meta, tables: map[int64]*tableRowIDs{}}
}

func (r *rowIDs) table(id int64) *tableRowIDs {
	t, ok := r.tables[id]
	if !ok {
		t = &tableRowIDs{byRow: map[string][]int64{}}
		r.tables[id] = t
	}
	return t
}

// drop forgets a table (dropped or truncated).
func (r *rowIDs) drop(id int64) { delete(r.tables, id) }

// alloc returns a new handle for table id.
func (r *rowIDs) alloc(ctx context.Context, id int64) (int64, error) {
	t := r.table(id)
	if t.next == 0 || t.next > t.last {
		last, err := r.meta.alloc(ctx, autoIDCounter(id), autoIDStep)
		if err != nil {
			return 0, fmt.Errorf("allocate row ids of table %d: %w", id, err)
		}
		t.next, t.last = last-autoIDStep+1, last
	}
	h := t.next
	t.next++
	return h, nil
}

// push records that a row with fingerprint fp has handle h.
func (r *rowIDs) push(id int64, fp string, h int64) {
	t := r.table(id)
	t.byRow[fp] = append(t.byRow[fp], h)
}

// pop takes a handle of a row with fingerprint fp.
func (r *rowIDs) pop(id int64, fp string) (int64, bool) {
	t := r.table(id)
	hs := t.byRow[fp]
	if len(hs) == 0 {
		return 0, false
	}
	h := hs[len(hs)-1]
	if len(hs) == 1 {
		delete(t.byRow, fp)
	} else {
		t.byRow[fp] = hs[:len(hs)-1]
	}
	return h, true
}

// remove takes back a specific handle (undo of a push).
func (r *rowIDs) remove(id int64, fp string, h int64) {
	t := r.table(id)
	hs := t.byRow[fp]
	for i := len(hs) - 1; i >= 0; i-- {
		if hs[i] == h {
			t.byRow[fp] = append(hs[:i:i], hs[i+1:]...)
			break
		}
	}
	if len(t.byRow[fp]) == 0 {
		delete(t.byRow, fp)
	}
}

// retire records that the row with handle h lost content fp in the
// transaction committed at commitTS. Entries that no open transaction can
// ask for (committed before oldest, the oldest open start_ts) are pruned
// when there are many.
func (r *rowIDs) retire(id int64, fp string, h, commitTS, oldest int64) {
	t := r.table(id)
	if t.gone == nil {
		t.gone = map[string][]goneHandle{}
	}
	t.gone[fp] = append(t.gone[fp], goneHandle{h: h, commitTS: commitTS})
	r.goneN++
	if r.goneN > pruneAt {
		r.pruneGone(oldest)
	}
}

// pruneGone drops the gone entries committed before oldest.
func (r *rowIDs) pruneGone(oldest int64) {
	r.goneN = 0
	for _, t := range r.tables {
		for fp, gs := range t.gone {
			kept := gs[:0]
			for _, g := range gs {
				if g.commitTS >= oldest {
					kept = append(kept, g)
				}
			}
			if len(kept) == 0 {
				delete(t.gone, fp)
				continue
			}
			t.gone[fp] = kept
			r.goneN += len(kept)
		}
	}
}

// goneSince returns the handle of the row that last lost content fp in a
// transaction committed after startTS.
func (r *rowIDs) goneSince(id int64, fp string, startTS int64) (int64, bool) {
	gs := r.table(id).gone[fp]
	for i := len(gs) - 1; i >= 0; i-- {
		if gs[i].commitTS > startTS {
			return gs[i].h, true
		}
	}
	return 0, false
}

// handlesInOrder pops the handles of rows, in order (before a DDL that
// changes the rows' shape); rows without one get 0.
func (r *rowIDs) handlesInOrder(ti *model.TableInfo, rows []sql.Row) []int64 {
	out := make([]int64, len(rows))
	for i, row := range rows {
		fp, err := fingerprint(ti, row)
		if err == nil {
			out[i], _ = r.pop(ti.ID, fp)
		}
	}
	return out
}

// rebuild re-registers rows (after a DDL) with the handles of the rows they
// were before it. It reports false when the row counts differ; the table is
// then forgotten.
func (r *rowIDs) rebuild(ti *model.TableInfo, handles []int64, rows []sql.Row) bool {
	t := r.table(ti.ID)
	t.byRow = map[string][]int64{}
	t.gone = nil // contents of the old shape; transactions across the DDL fail anyway
	if len(handles) != len(rows) {
		return false
	}
	for i, row := range rows {
		fp, err := fingerprint(ti, row)
		if err != nil || handles[i] == 0 {
			continue
		}
		r.push(ti.ID, fp, handles[i])
	}
	return true
}

// fingerprint identifies a row by its content under table info ti.
func fingerprint(ti *model.TableInfo, row sql.Row) (string, error) {
	if len(row) != len(ti.Columns) {
		return "", fmt.Errorf("fingerprint row of %s: %d values for %d columns", ti.Name.O, len(row), len(ti.Columns))
	}
	ds := make([]codec.Datum, len(row))
	for i, v := range row {
		d, err := toDatum(v, ti.Columns[i])
		if err != nil {
			return "", err
		}
		ds[i] = d
	}
	b, err := codec.EncodeValue(nil, ds...)
	if err != nil {
		return "", fmt.Errorf("fingerprint row of %s: %w", ti.Name.O, err)
	}
	return string(b), nil
}
