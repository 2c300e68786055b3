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
	rows, err := dec.decodeMutation(m)
	if err != nil {
		return nil, err
	}
	return &TableChange{TableID: id, Schema: schema, Table: table, Info: info, Rows: rows, dec: dec}, nil
}

// decodeMutation walks the sequence and decodes each row it names.
func (d *rowDecoder) decodeMutation(m *binlogpb.TableMutation) ([]RowChange, error) {
	seq := m.GetSequence()
	if n := len(m.GetInsertedRows()) + len(m.GetUpdatedRows()) + len(m.GetDeletedRows()); n != len(seq) {
		return nil, fmt.Errorf("table id %d: sequence names %d rows, mutation holds %d: %w",
			d.tableID, len(seq), n, ErrBadMutation)
	}
	rows := make([]RowChange, 0, len(seq))
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
				return nil, d.mutationErr(tp, i)
			}
			rc.Type = Insert
			rc.Values, err = d.insert(m.GetInsertedRows()[ins])
			ins++
		case binlogpb.MutationType_Update:
			kind = "update"
			if upd >= len(m.GetUpdatedRows()) {
				return nil, d.mutationErr(tp, i)
			}
			rc.Type = Update
			rc.OldValues, rc.Values, err = d.update(m.GetUpdatedRows()[upd])
			upd++
		case binlogpb.MutationType_DeleteRow:
			kind = "delete"
			if del >= len(m.GetDeletedRows()) {
				return nil, d.mutationErr(tp, i)
			}
			rc.Type = Delete
			rc.Values, err = d.delete(m.GetDeletedRows()[del])
			del++
		default:
			return nil, fmt.Errorf("table id %d: sequence entry %d has unsupported mutation type %v: %w",
				d.tableID, i, tp, ErrBadMutation)
		}
		if err != nil {
			return nil, d.rowErr(kind, i, err)
		}
		rows = append(rows, rc)
	}
	return rows, nil
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
