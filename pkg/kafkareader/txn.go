package kafkareader

import (
	"errors"
	"fmt"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

// ErrBadBinlog marks a secondary binlog that cannot become a transaction.
var ErrBadBinlog = errors.New("kafkareader: malformed secondary binlog")

// SecondaryBinlogToTxn converts a secondary binlog into a loader.Txn (its
// CommitTS set from the binlog).
func SecondaryBinlogToTxn(b *secondarypb.Binlog) (*loader.Txn, error) {
	txn := &loader.Txn{CommitTS: b.GetCommitTs()}
	switch b.GetType() {
	case secondarypb.BinlogType_DDL:
		d := b.GetDdlData()
		if d == nil {
			return nil, fmt.Errorf("%w: commit ts %d: DDL without ddl_data", ErrBadBinlog, b.GetCommitTs())
		}
		txn.DDL = &loader.DDL{Database: d.GetSchemaName(), Table: d.GetTableName(), SQL: string(d.GetDdlQuery())}
		return txn, nil
	case secondarypb.BinlogType_DML:
		for _, t := range b.GetDmlData().GetTables() {
			for i, m := range t.GetMutations() {
				dml, err := mutationToDML(t, m)
				if err != nil {
					return nil, fmt.Errorf("%w: commit ts %d, table %s.%s, mutation %d: %w", ErrBadBinlog,
						b.GetCommitTs(), t.GetSchemaName(), t.GetTableName(), i, err)
				}
				txn.DMLs = append(txn.DMLs, dml)
			}
		}
		return txn, nil
	}
	return nil, fmt.Errorf("%w: commit ts %d: unknown type %d", ErrBadBinlog, b.GetCommitTs(), b.GetType())
}

func mutationToDML(t *secondarypb.Table, m *secondarypb.TableMutation) (*loader.DML, error) {
	dml := &loader.DML{Database: t.GetSchemaName(), Table: t.GetTableName()}
	switch m.GetType() {
	case secondarypb.MutationType_Insert:
		dml.Tp = loader.InsertDMLType
	case secondarypb.MutationType_Update:
		dml.Tp = loader.UpdateDMLType
	case secondarypb.MutationType_Delete:
		dml.Tp = loader.DeleteDMLType
	default:
		return nil, fmt.Errorf("unknown mutation type %d", m.GetType())
	}
	var err error
	if dml.Values, err = rowValues(t, m.GetRow()); err != nil {
		return nil, err
	}
	if dml.Tp == loader.UpdateDMLType {
		if dml.OldValues, err = rowValues(t, m.GetChangeRow()); err != nil {
			return nil, fmt.Errorf("change row: %w", err)
		}
	}
	return dml, nil
}

// rowValues maps a row's columns to their names.
func rowValues(t *secondarypb.Table, row *secondarypb.Row) (map[string]any, error) {
	infos := t.GetColumnInfo()
	cols := row.GetColumns()
	if len(cols) > len(infos) {
		return nil, fmt.Errorf("%d values for %d columns", len(cols), len(infos))
	}
	vals := make(map[string]any, len(cols))
	for i, c := range cols {
		v, err := columnValue(infos[i].GetMysqlType(), c)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", infos[i].GetName(), err)
		}
		vals[infos[i].GetName()] = v
	}
	return vals, nil
}

// columnValue is the original loader's columnToArg.
func columnValue(mysqlType string, c *secondarypb.Column) (any, error) {
	switch {
	case c.GetIsNull():
		return nil, nil
	case c.Int64Value != nil:
		return c.GetInt64Value(), nil
	case c.Uint64Value != nil:
		return c.GetUint64Value(), nil
	case c.DoubleValue != nil:
		return c.GetDoubleValue(), nil
	case c.BytesValue != nil:
		switch mysqlType {
		case "json":
			return string(c.GetBytesValue()), nil
		case "bit":
			return bitValue(c.GetBytesValue())
		}
		return c.GetBytesValue(), nil
	}
	return c.GetStringValue(), nil
}

// bitValue reads BIT bytes as a big-endian unsigned integer.
func bitValue(b []byte) (uint64, error) {
	if len(b) > 8 {
		return 0, fmt.Errorf("bit value of %d bytes", len(b))
	}
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v, nil
}
