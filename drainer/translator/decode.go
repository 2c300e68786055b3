package translator

import (
	"fmt"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// ChangeType is the kind of a decoded row change.
type ChangeType int

// The row-change kinds.
const (
	Insert ChangeType = iota
	Update
	Delete
)

// String names the kind ("insert", "update", "delete").
func (t ChangeType) String() string {
	switch t {
	case Insert:
		return "insert"
	case Update:
		return "update"
	case Delete:
		return "delete"
	}
	return fmt.Sprintf("change(%d)", int(t))
}

// RowChange is one decoded row, values keyed by column id and unflattened
// for their column (see doc.go for which columns each kind holds).
type RowChange struct {
	Type ChangeType
	// Values is the inserted row, the new row of an update or the deleted row.
	Values map[int64]codec.Datum
	// OldValues is the row before an update (nil otherwise).
	OldValues map[int64]codec.Datum
}

// TableChange is the decoded rows of one TableMutation, in the order of its
// sequence, with the table they belong to.
type TableChange struct {
	TableID int64
	Schema  string
	Table   string
	// Info is the table's current info (its columns name the values).
	Info *model.TableInfo
	Rows []RowChange

	dec *rowDecoder
}

// Default returns the value a row that lacks col has: the column's original
// default at the DML's schema version, else NULL, the first element of a NOT
// NULL enum or the type's zero value (SPEC 2.5).
func (t *TableChange) Default(col *model.ColumnInfo) (codec.Datum, error) {
	return t.dec.defaultValue(col)
}

// ValueOrDefault returns values[col.ID], or the column's default.
func (t *TableChange) ValueOrDefault(values map[int64]codec.Datum, col *model.ColumnInfo) (codec.Datum, error) {
	if v, ok := values[col.ID]; ok {
		return v, nil
	}
	return t.Default(col)
}

// DecodePrewrite decodes every row of pv: one TableChange per mutation, in
// mutation order. Table infos come from g at pv's schema version; loc is the
// zone TIMESTAMP values are converted to (nil means time.Local, as the
// original drainer uses for its file and Kafka sinks).
func DecodePrewrite(g TableInfoGetter, pv *binlogpb.PrewriteValue, loc *time.Location) ([]*TableChange, error) {
	if loc == nil {
		loc = time.Local
	}
	changes := make([]*TableChange, 0, len(pv.GetMutations()))
	for _, m := range pv.GetMutations() {
		tc, err := DecodeMutation(g, pv.GetSchemaVersion(), m, loc)
		if err != nil {
			return nil, err
		}
		changes = append(changes, tc)
	}
	return changes, nil
}

// DecodeMutation decodes the rows of one mutation written at schemaVersion.
func DecodeMutation(g TableInfoGetter, schemaVersion int64, m *binlogpb.TableMutation, loc *time.Location) (*TableChange, error) {
	tc, err := mutationTable(g, schemaVersion, m, loc)
	if err != nil {
		return nil, err
	}
	if tc.Rows, err = tc.dec.decodeMutation(m); err != nil {
		return nil, err
	}
	return tc, nil
}

// mutationTable resolves the table of m and builds its row decoder; the
// TableChange it returns has no rows yet.
func mutationTable(g TableInfoGetter, schemaVersion int64, m *binlogpb.TableMutation, loc *time.Location) (*TableChange, error) {
	if loc == nil {
		loc = time.Local
	}
	id := m.GetTableId()
	info, ok := g.TableByID(id)
	if !ok || info == nil {
		return nil, fmt.Errorf("table id %d: %w", id, ErrTableNotFound)
	}
	schema, table, ok := g.SchemaAndTableName(id)
	if !ok {
		return nil, fmt.Errorf("schema and table name of table id %d: %w", id, ErrTableNotFound)
	}
	pinfo, ok := g.TableBySchemaVersion(id, schemaVersion)
	if !ok {
		pinfo = nil
	}
	dec := newRowDecoder(id, info, pinfo, g.CanAppendDefaultValue(id, schemaVersion), loc)
	dec.name = schema + "." + table
	return &TableChange{TableID: id, Schema: schema, Table: table, Info: info, dec: dec}, nil
}

// decodeMutation decodes every row of m, in sequence order.
func (d *rowDecoder) decodeMutation(m *binlogpb.TableMutation) ([]RowChange, error) {
	rows := make([]RowChange, 0, len(m.GetSequence()))
	err := d.eachRow(m, func(rc RowChange) error {
		rows = append(rows, rc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rows, nil
}

// eachRow walks the sequence and calls fn with each row it names, decoded.
// With d.reuse the maps of a row are only valid until fn returns.
func (d *rowDecoder) eachRow(m *binlogpb.TableMutation, fn func(RowChange) error) error {
	seq := m.GetSequence()
	if n := len(m.GetInsertedRows()) + len(m.GetUpdatedRows()) + len(m.GetDeletedRows()); n != len(seq) {
		return fmt.Errorf("table id %d: sequence names %d rows, mutation holds %d: %w",
			d.tableID, len(seq), n, ErrBadMutation)
	}
	var ins, upd, del int
	for i, tp := range seq {
		var (
			rc   RowChange
			err  error
			kind string
		)
		switch tp {
		case binlogpb.MutationType_Insert:
			kind = "insert"
			if ins >= len(m.GetInsertedRows()) {
				return d.mutationErr(tp, i)
			}
			rc.Type = Insert
			rc.Values, err = d.insert(m.GetInsertedRows()[ins])
			ins++
		case binlogpb.MutationType_Update:
			kind = "update"
			if upd >= len(m.GetUpdatedRows()) {
				return d.mutationErr(tp, i)
			}
			rc.Type = Update
			rc.OldValues, rc.Values, err = d.update(m.GetUpdatedRows()[upd])
			upd++
		case binlogpb.MutationType_DeleteRow:
			kind = "delete"
			if del >= len(m.GetDeletedRows()) {
				return d.mutationErr(tp, i)
			}
			rc.Type = Delete
			rc.Values, err = d.delete(m.GetDeletedRows()[del])
			del++
		default:
			return fmt.Errorf("table id %d: sequence entry %d has unsupported mutation type %v: %w",
				d.tableID, i, tp, ErrBadMutation)
		}
		if err != nil {
			return d.rowErr(kind, i, err)
		}
		if err := fn(rc); err != nil {
			return err
		}
	}
	return nil
}

func (d *rowDecoder) mutationErr(tp binlogpb.MutationType, i int) error {
	return fmt.Errorf("table id %d: sequence entry %d names a missing %v row: %w", d.tableID, i, tp, ErrBadMutation)
}

func (d *rowDecoder) rowErr(kind string, i int, err error) error {
	re := &RowError{TableID: d.tableID, Table: d.name, Kind: kind, Index: i, Err: err}
	if ce, ok := err.(*columnError); ok {
		re.ColumnID, re.Column, re.Err = ce.id, ce.name, ce.err
		if col, ok := d.cols[ce.id]; ok && re.Column == "" {
			re.Column = col.Name.O
		}
	}
	return re
}
