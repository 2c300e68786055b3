package arbiter

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

// Field numbers of proto/secondarypb.
const (
	binlogType, binlogCommitTS, binlogDMLData, binlogDDLData        = 1, 2, 3, 4
	dmlTables                                                       = 1
	tableSchema, tableName, tableColumns, tableMutations, tableKeys = 1, 2, 3, 4, 5
	infoName, infoType                                              = 1, 2
	mutType, mutRow, mutChangeRow                                   = 1, 2, 3
	rowColumns                                                      = 1
	colNull, colInt64, colUint64, colDouble, colBytes, colStr       = 1, 2, 3, 4, 5, 6
)

// binlog decodes the tables of a DML binlog into d.dmls.
func (d *decoder) binlog(v []byte) (ts int64, hasDML bool, err error) {
	d.raw, d.s = v, ""
	if len(v) <= maxShared {
		d.s = string(v)
	}
	tp, hasTp, hasTS := int32(0), false, false
	for b := v; len(b) > 0; {
		f, rest, ok := next(b)
		if !ok {
			return 0, false, errSlow
		}
		b = rest
		switch {
		case f.typ == protowire.VarintType && f.num == binlogType:
			tp, hasTp = int32(f.v), true
		case f.typ == protowire.VarintType && f.num == binlogCommitTS:
			ts, hasTS = int64(f.v), true
		case f.typ == protowire.BytesType && f.num == binlogDMLData:
			if err := d.dmlData(f.b); err != nil {
				return 0, false, err
			}
			hasDML = true
		case f.typ == protowire.BytesType && f.num == binlogDDLData:
			return 0, false, errSlow
		}
	}
	if !hasTp || tp != int32(secondarypb.BinlogType_DML) || !hasTS || ts <= 0 {
		return 0, false, errSlow
	}
	return ts, hasDML, nil
}

func (d *decoder) dmlData(b []byte) error {
	for len(b) > 0 {
		f, rest, ok := next(b)
		if !ok {
			return errSlow
		}
		b = rest
		if f.typ == protowire.BytesType && f.num == dmlTables {
			if err := d.table(f.b); err != nil {
				return err
			}
		}
	}
	return nil
}

// colInfo is what the rows need of a ColumnInfo.
type colInfo struct{ name, tp string }

// table appends the DMLs of a table's mutations. The column infos are read
// first (the wire may put them after the mutations).
func (d *decoder) table(b []byte) error {
	var schema, name string
	infos := d.infos[:0]
	defer func() { d.infos = infos[:0] }() // reused by the next table
	for rest := b; len(rest) > 0; {
		f, r, ok := next(rest)
		if !ok {
			return errSlow
		}
		rest = r
		if f.typ != protowire.BytesType {
			continue
		}
		switch f.num {
		case tableSchema:
			schema = d.name(f.b)
		case tableName:
			name = d.name(f.b)
		case tableColumns:
			ci, err := d.colInfo(f.b)
			if err != nil {
				return err
			}
			infos = append(infos, ci)
		default: // unique_keys (names only) and unknown fields: check the wire
			if !wellFormed(f.b, f.num == tableKeys) {
				return errSlow
			}
		}
	}
	for rest := b; len(rest) > 0; {
		f, r, _ := next(rest)
		rest = r
		if f.typ == protowire.BytesType && f.num == tableMutations {
			dml, err := d.mutation(f.b, schema, name, infos)
			if err != nil {
				return err
			}
			d.dmls = append(d.dmls, dml)
		}
	}
	return nil
}

// wellFormed reports whether a Key message (or, if !key, an unknown
// field's bytes, which proto.Unmarshal does not read) decodes.
func wellFormed(b []byte, key bool) bool {
	for key && len(b) > 0 {
		_, rest, ok := next(b)
		if !ok {
			return false
		}
		b = rest
	}
	return true
}

func (d *decoder) colInfo(b []byte) (colInfo, error) {
	var ci colInfo
	for len(b) > 0 {
		f, rest, ok := next(b)
		if !ok {
			return ci, errSlow
		}
		b = rest
		switch {
		case f.typ == protowire.BytesType && f.num == infoName:
			ci.name = d.name(f.b)
		case f.typ == protowire.BytesType && f.num == infoType:
			ci.tp = d.name(f.b)
		}
	}
	return ci, nil
}

// mutation is toDML of pkg/loader. A row or change_row given twice (merged
// by proto.Unmarshal) goes the slow way.
func (d *decoder) mutation(b []byte, schema, table string, infos []colInfo) (*loader.DML, error) {
	var row, change []byte
	tp, hasTp, hasRow, hasChange := int32(0), false, false, false
	for len(b) > 0 {
		f, rest, ok := next(b)
		if !ok {
			return nil, errSlow
		}
		b = rest
		switch {
		case f.typ == protowire.VarintType && f.num == mutType:
			tp, hasTp = int32(f.v), true
		case f.typ == protowire.BytesType && f.num == mutRow:
			if hasRow {
				return nil, errSlow
			}
			row, hasRow = f.b, true
		case f.typ == protowire.BytesType && f.num == mutChangeRow:
			if hasChange {
				return nil, errSlow
			}
			change, hasChange = f.b, true
		}
	}
	var dml *loader.DML
	if len(d.slab) > 0 {
		dml, d.slab = &d.slab[0], d.slab[1:]
	} else {
		dml = &loader.DML{}
	}
	dml.Database, dml.Table = schema, table
	switch {
	case !hasTp || !hasRow:
		return nil, errSlow
	case tp == int32(secondarypb.MutationType_Insert):
		dml.Tp = loader.InsertDMLType
	case tp == int32(secondarypb.MutationType_Update) && hasChange:
		dml.Tp = loader.UpdateDMLType
	case tp == int32(secondarypb.MutationType_Delete):
		dml.Tp = loader.DeleteDMLType
	default:
		return nil, errSlow
	}
	var err error
	if dml.Values, err = d.row(row, infos); err != nil {
		return nil, err
	}
	if hasChange {
		old, err := d.row(change, infos)
		if err != nil {
			return nil, err
		}
		if dml.Tp == loader.UpdateDMLType {
			dml.OldValues = old
		}
	}
	return dml, nil
}

// row is rowValues of pkg/loader.
func (d *decoder) row(b []byte, infos []colInfo) (map[string]any, error) {
	values := make(map[string]any, len(infos))
	i := 0
	for len(b) > 0 {
		f, rest, ok := next(b)
		if !ok {
			return nil, errSlow
		}
		b = rest
		if f.typ != protowire.BytesType || f.num != rowColumns {
			continue
		}
		if i == len(infos) {
			return nil, errSlow
		}
		v, err := d.column(f.b, infos[i].tp)
		if err != nil {
			return nil, err
		}
		values[infos[i].name] = v
		i++
	}
	return values, nil
}

// column is columnValue of pkg/loader: the first of null, int64, uint64,
// double, bytes that is set, else the string.
func (d *decoder) column(b []byte, mysqlType string) (any, error) {
	var (
		null, hasInt, hasUint, hasDouble, hasBytes bool
		i64                                        int64
		u64                                        uint64
		dbl                                        float64
		bs                                         []byte
		str                                        string
	)
	for len(b) > 0 {
		f, rest, ok := next(b)
		if !ok {
			return nil, errSlow
		}
		b = rest
		switch {
		case f.typ == protowire.VarintType && f.num == colNull:
			null = f.v != 0
		case f.typ == protowire.VarintType && f.num == colInt64:
			i64, hasInt = int64(f.v), true
		case f.typ == protowire.VarintType && f.num == colUint64:
			u64, hasUint = f.v, true
		case f.typ == protowire.Fixed64Type && f.num == colDouble:
			dbl, hasDouble = math.Float64frombits(f.v), true
		case f.typ == protowire.BytesType && f.num == colBytes:
			bs, hasBytes = f.b, true
		case f.typ == protowire.BytesType && f.num == colStr:
			str = d.str(f.b)
		}
	}
	switch {
	case null:
		return nil, nil
	case hasInt:
		return i64, nil
	case hasUint:
		return u64, nil
	case hasDouble:
		if mysqlType == "float" {
			return float32(dbl), nil
		}
		return dbl, nil
	case hasBytes:
		return d.bytesValue(bs, mysqlType)
	}
	return str, nil
}

func (d *decoder) bytesValue(b []byte, mysqlType string) (any, error) {
	switch mysqlType {
	case "json":
		return d.str(b), nil
	case "bit":
		var v uint64
		for i, x := range b {
			if x != 0 && len(b)-i > 8 {
				return nil, errSlow
			}
			v = v<<8 | uint64(x)
		}
		return v, nil
	}
	return append([]byte{}, b...), nil
}
