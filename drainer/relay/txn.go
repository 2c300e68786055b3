package relay

import (
	"errors"
	"fmt"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

// ErrBadBinlog: a relay binlog that does not describe a transaction.
var ErrBadBinlog = errors.New("relay: malformed secondary binlog")

// ToTxn converts a secondary binlog into a loader transaction: a DDL, or
// one DML per mutation (Update: row = new values, change_row = old ones).
// Values are nil, int64, uint64, float32 (float columns), float64, string
// (text, and json), []byte, or uint64 for bit columns.
func ToTxn(b *secondarypb.Binlog) (*loader.Txn, error) {
	txn := &loader.Txn{CommitTS: b.GetCommitTs()}
	switch b.GetType() {
	case secondarypb.BinlogType_DDL:
		d := b.GetDdlData()
		if d == nil {
			return nil, fmt.Errorf("%w: DDL %d without ddl_data", ErrBadBinlog, b.GetCommitTs())
		}
		txn.DDL = &loader.DDL{Database: d.GetSchemaName(), Table: d.GetTableName(), SQL: string(d.GetDdlQuery())}
		return txn, nil
	case secondarypb.BinlogType_DML:
		for _, table := range b.GetDmlData().GetTables() {
			for _, mut := range table.GetMutations() {
				dml, err := toDML(table, mut)
				if err != nil {
					return nil, fmt.Errorf("binlog %d: %w", b.GetCommitTs(), err)
				}
				txn.DMLs = append(txn.DMLs, dml)
			}
		}
		return txn, nil
	}
	return nil, fmt.Errorf("%w: binlog %d of type %d", ErrBadBinlog, b.GetCommitTs(), b.GetType())
}

func toDML(table *secondarypb.Table, mut *secondarypb.TableMutation) (*loader.DML, error) {
	dml := &loader.DML{Database: table.GetSchemaName(), Table: table.GetTableName()}
	switch mut.GetType() {
	case secondarypb.MutationType_Insert:
		dml.Tp = loader.InsertDMLType
	case secondarypb.MutationType_Update:
		dml.Tp = loader.UpdateDMLType
	case secondarypb.MutationType_Delete:
		dml.Tp = loader.DeleteDMLType
	default:
		return nil, fmt.Errorf("%w: mutation type %d", ErrBadBinlog, mut.GetType())
	}
	var err error
	if dml.Values, err = rowValues(table, mut.GetRow()); err != nil {
		return nil, err
	}
	if dml.Tp == loader.UpdateDMLType {
		if dml.OldValues, err = rowValues(table, mut.GetChangeRow()); err != nil {
			return nil, err
		}
	}
	return dml, nil
}

func rowValues(table *secondarypb.Table, row *secondarypb.Row) (map[string]any, error) {
	cols := row.GetColumns()
	infos := table.GetColumnInfo()
	if row == nil || len(cols) > len(infos) {
		return nil, fmt.Errorf("%w: %s.%s: row of %d columns, %d column infos",
			ErrBadBinlog, table.GetSchemaName(), table.GetTableName(), len(cols), len(infos))
	}
	values := make(map[string]any, len(cols))
	for i, c := range cols {
		v, err := columnValue(infos[i].GetMysqlType(), c)
		if err != nil {
			return nil, fmt.Errorf("%s.%s column %s: %w", table.GetSchemaName(), table.GetTableName(), infos[i].GetName(), err)
		}
		values[infos[i].GetName()] = v
	}
	return values, nil
}

// columnValue maps a secondary column to a SQL argument.
func columnValue(mysqlType string, c *secondarypb.Column) (any, error) {
	switch {
	case c.GetIsNull():
		return nil, nil
	case c.Int64Value != nil:
		return c.GetInt64Value(), nil
	case c.Uint64Value != nil:
		return c.GetUint64Value(), nil
	case c.DoubleValue != nil:
		if mysqlType == "float" {
			return float32(c.GetDoubleValue()), nil
		}
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

// bitValue reads a big-endian BIT value (at most 64 bits) as an integer.
func bitValue(b []byte) (uint64, error) {
	var v uint64
	for i, x := range b {
		if x != 0 && len(b)-i > 8 {
			return 0, fmt.Errorf("%w: bit value of %d bytes", ErrBadBinlog, len(b))
		}
		v = v<<8 | uint64(x)
	}
	return v, nil
}
