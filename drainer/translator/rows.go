package translator

import (
	"fmt"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// implicitRowIDColumn is the column id of _tidb_rowid, the handle of a table
// without an integer or clustered primary key.
const implicitRowIDColumn = -1

// rowDecoder is THE row decoder (SPEC 2.4, 2.5): every translator reads rows
// through it. It decodes the rows of one table written at one schema version.
type rowDecoder struct {
	tableID   int64
	name      string           // schema.table, for errors
	info      *model.TableInfo // the table now: its columns type the values
	pinfo     *model.TableInfo // the table at the DML's schema version, or nil
	canAppend bool             // CanAppendDefaultValue at the DML's version
	loc       *time.Location
	cols      map[int64]*model.ColumnInfo // every column of info by id
	writable  map[int64]*model.ColumnInfo // public, not generated

	// reuse: a row's value maps are cleared and refilled for the next row
	// instead of made anew (for a caller that is done with a row before the
	// next one: a map of datums is most of a row's decoding cost).
	reuse   bool
	scratch [2]map[int64]codec.Datum
}

// valueMap returns an empty map for a row's values: scratch map i when
// reusing, else a new one.
func (d *rowDecoder) valueMap(i, sizeHint int) map[int64]codec.Datum {
	if !d.reuse {
		return make(map[int64]codec.Datum, sizeHint)
	}
	if d.scratch[i] == nil {
		d.scratch[i] = make(map[int64]codec.Datum, sizeHint)
	} else {
		clear(d.scratch[i])
	}
	return d.scratch[i]
}

func newRowDecoder(id int64, info, pinfo *model.TableInfo, canAppend bool, loc *time.Location) *rowDecoder {
	d := &rowDecoder{
		tableID: id, info: info, pinfo: pinfo, canAppend: canAppend, loc: loc,
		cols:     make(map[int64]*model.ColumnInfo, len(info.Columns)),
		writable: make(map[int64]*model.ColumnInfo, len(info.Columns)),
	}
	for _, c := range info.Columns {
		d.cols[c.ID] = c
	}
	for _, c := range info.WritableColumns() {
		d.writable[c.ID] = c
	}
	return d
}

// unflatten turns a flattened value of column id into the column's value;
// ok is false for a column the table does not have (it is skipped).
func (d *rowDecoder) unflatten(cols map[int64]*model.ColumnInfo, id int64, v codec.Datum) (codec.Datum, bool, error) {
	col, ok := cols[id]
	if !ok {
		return codec.Datum{}, false, nil
	}
	u, err := codec.Unflatten(v, &col.FieldType, d.loc)
	if err != nil {
		return codec.Datum{}, false, colErr(col, id, err)
	}
	return u, true, nil
}

// defaultValue is the value of col in a row that lacks it; the column as it
// was at the DML's schema version gives the default when it existed then.
func (d *rowDecoder) defaultValue(col *model.ColumnInfo) (codec.Datum, error) {
	src := col
	if d.pinfo != nil {
		if pc := d.pinfo.FindColumnByID(col.ID); pc != nil {
			src = pc
		}
	}
	v, err := codec.ColumnDefaultDatum(src, d.loc)
	if err != nil {
		return codec.Datum{}, colErr(col, col.ID, err)
	}
	return v, nil
}

// primaryIndex returns the primary index of a clustered table, or nil.
func (d *rowDecoder) primaryIndex() *model.IndexInfo {
	if !d.info.IsCommonHandle {
		return nil
	}
	for _, ix := range d.info.Indices {
		if ix.Primary {
			return ix
		}
	}
	return nil
}

// insert decodes an inserted row: the handle datum(s), then the row. The
// result holds every column of the table; columns the row lacks are filled
// from the handle or with their default.
func (d *rowDecoder) insert(row []byte) (map[int64]codec.Datum, error) {
	pkIdx := d.primaryIndex()
	var (
		one    [1]codec.Datum // an int handle, without allocating a slice
		handle = one[:]
		rest   []byte
		err    error
	)
	if pkIdx != nil {
		handle, rest, err = codec.DecodeN(row, len(pkIdx.Columns))
	} else {
		rest, one[0], err = codec.DecodeOne(row)
	}
	if err != nil {
		return nil, fmt.Errorf("decode handle: %w", err)
	}
	values, err := d.decodeRow(rest, len(d.info.Columns))
	if err != nil {
		return nil, err
	}
	if err := d.setHandle(values, handle, pkIdx); err != nil {
		return nil, err
	}
	for _, col := range d.info.Columns {
		if _, ok := values[col.ID]; ok {
			continue
		}
		v, err := d.defaultValue(col)
		if err != nil {
			return nil, err
		}
		values[col.ID] = v
	}
	return values, nil
}

// setHandle fills the handle columns of an inserted row: the integer pk that
// is the handle (reinterpreted as uint64 when UNSIGNED), _tidb_rowid when the
// table lists it, and the clustered pk columns the row itself lacks (not
// prefix columns: with new collations the handle holds only sort keys).
func (d *rowDecoder) setHandle(values map[int64]codec.Datum, handle []codec.Datum, pkIdx *model.IndexInfo) error {
	if pkIdx != nil {
		for i, ic := range pkIdx.Columns {
			if ic.Offset < 0 || ic.Offset >= len(d.info.Columns) {
				return fmt.Errorf("primary index column %s has offset %d of %d columns: %w",
					ic.Name.O, ic.Offset, len(d.info.Columns), ErrCorruptedRow)
			}
			col := d.info.Columns[ic.Offset]
			if _, ok := values[col.ID]; ok || ic.Length != model.UnspecifiedLength {
				continue
			}
			v, err := codec.Unflatten(handle[i], &col.FieldType, d.loc)
			if err != nil {
				return colErr(col, col.ID, fmt.Errorf("handle: %w", err))
			}
			values[col.ID] = v
		}
		return nil
	}
	h := handle[0]
	if h.Kind() != codec.KindInt64 && h.Kind() != codec.KindUint64 {
		return fmt.Errorf("int handle of kind %s: %w", h.Kind(), ErrCorruptedRow)
	}
	if pk := d.info.GetPkColInfo(); pk != nil {
		if pk.IsUnsigned() {
			values[pk.ID] = codec.NewUintDatum(h.GetUint64())
		} else {
			values[pk.ID] = codec.NewIntDatum(h.GetInt64())
		}
	}
	if _, ok := d.cols[implicitRowIDColumn]; ok {
		values[implicitRowIDColumn] = codec.NewIntDatum(h.GetInt64())
	}
	return nil
}

// update decodes an updated row: old row ++ new row. The first time a
// writable column's id appears its value is old, the second time new;
// decoding stops once both rows have every writable column. A row written
// before a column was added (or while one is being dropped) may lack columns:
// they are filled with defaults when the getter allows it (SPEC 2.5).
func (d *rowDecoder) update(row []byte) (oldRow, newRow map[int64]codec.Datum, err error) {
	n := len(d.writable)
	oldRow, newRow = d.valueMap(0, n), d.valueMap(1, n)
	b := row
	for cnt := 0; len(b) > 0 && cnt < 2*n; {
		var id int64
		var v codec.Datum
		if b, id, v, err = nextPair(b); err != nil {
			return nil, nil, err
		}
		u, ok, err := d.unflatten(d.writable, id, v)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			continue
		}
		if _, seen := oldRow[id]; seen {
			newRow[id] = u
		} else {
			oldRow[id] = u
		}
		cnt++
	}
	if len(oldRow) != len(newRow) {
		return nil, nil, fmt.Errorf("old row has %d columns, new row %d: %w", len(oldRow), len(newRow), ErrCorruptedRow)
	}
	if len(newRow) < n {
		if !d.canAppend {
			return nil, nil, fmt.Errorf("row has %d of the table's %d writable columns: %w", len(newRow), n, ErrCorruptedRow)
		}
		if err := d.fillDefaults(oldRow, newRow); err != nil {
			return nil, nil, err
		}
	}
	return oldRow, newRow, nil
}

func (d *rowDecoder) fillDefaults(oldRow, newRow map[int64]codec.Datum) error {
	for _, col := range d.info.WritableColumns() {
		if _, ok := newRow[col.ID]; ok {
			continue
		}
		v, err := d.defaultValue(col)
		if err != nil {
			return err
		}
		oldRow[col.ID], newRow[col.ID] = v, v
	}
	return nil
}

// nextPair decodes one (column id, flattened value) pair of an old-format row.
func nextPair(b []byte) (rest []byte, id int64, v codec.Datum, err error) {
	rest, idD, err := codec.DecodeOne(b)
	if err != nil {
		return nil, 0, v, fmt.Errorf("decode column id: %w", err)
	}
	if idD.Kind() != codec.KindInt64 && idD.Kind() != codec.KindUint64 {
		return nil, 0, v, fmt.Errorf("column id of kind %s: %w", idD.Kind(), ErrCorruptedRow)
	}
	id = idD.GetInt64()
	if len(rest) == 0 {
		return nil, 0, v, &columnError{id: id, err: fmt.Errorf("no value: %w", codec.ErrInsufficientData)}
	}
	if rest, v, err = codec.DecodeOne(rest); err != nil {
		return nil, 0, v, &columnError{id: id, err: err}
	}
	return rest, id, v, nil
}

// delete decodes a deleted row: the columns it holds, nothing filled.
func (d *rowDecoder) delete(row []byte) (map[int64]codec.Datum, error) {
	return d.decodeRow(row, len(d.info.Columns))
}

// decodeRow decodes a row (old format or format v2) into the unflattened
// values of the table's columns; ids of other columns are skipped.
func (d *rowDecoder) decodeRow(b []byte, sizeHint int) (map[int64]codec.Datum, error) {
	values := d.valueMap(0, sizeHint)
	if len(b) > 0 && b[0] == codec.RowFormatV2 {
		cols, err := codec.DecodeRowV2(b, codec.FieldTypesOf(d.info))
		if err != nil {
			return nil, fmt.Errorf("decode row: %w", err)
		}
		for _, cv := range cols {
			if err := d.put(values, cv.ID, cv.Value); err != nil {
				return nil, err
			}
		}
		return values, nil
	}
	if len(b) > 0 && b[0] == codec.NilFlag { // a row without columns
		return values, nil
	}
	for len(b) > 0 {
		var (
			id  int64
			v   codec.Datum
			err error
		)
		if b, id, v, err = nextPair(b); err != nil {
			return nil, err
		}
		if err := d.put(values, id, v); err != nil {
			return nil, err
		}
	}
	return values, nil
}

func (d *rowDecoder) put(values map[int64]codec.Datum, id int64, v codec.Datum) error {
	u, ok, err := d.unflatten(d.cols, id, v)
	if ok {
		values[id] = u
	}
	return err
}
