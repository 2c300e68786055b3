package loader

import (
	"errors"
	"fmt"

	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

// ErrBadSecondaryBinlog marks a secondary binlog (the Kafka and relay-log
// payload) that does not describe a transaction.
var ErrBadSecondaryBinlog = errors.New("loader: malformed secondary binlog")

// SecondaryBinlogToTxn converts a secondary binlog (what the Kafka sink and
// the relay log carry) into a transaction: a DDL, or one DML per mutation
// (Update: row = new values, change_row = old ones). CommitTS is set.
// Values are nil, int64, uint64, float32 (float columns), float64, string
// (text, and json), []byte, or uint64 for bit columns.
func SecondaryBinlogToTxn(b *secondarypb.Binlog) (*Txn, error) {
	txn := &Txn{CommitTS: b.GetCommitTs()}
	switch b.GetType() {
	case secondarypb.BinlogType_DDL:
		d := b.GetDdlData()
		if d == nil {
			return nil, fmt.Errorf("%w: DDL %d without ddl_data", ErrBadSecondaryBinlog, b.GetCommitTs())
		}
		txn.DDL = &DDL{Database: d.GetSchemaName(), Table: d.GetTableName(), SQL: string(d.GetDdlQuery())}
		return txn, nil
	case secondarypb.BinlogType_DML:
		for _, table := range b.GetDmlData().GetTables() {
			for _, mut := range table.GetMutations() {
				dml, err := toDML(table, mut)
				if err != nil {
					return nil, fmt.Errorf("commit ts %d: %w", b.GetCommitTs(), err)
				}
				txn.DMLs = append(txn.DMLs, dml)
			}
		}
		return txn, nil
	}
	return nil, fmt.Errorf("%w: binlog %d of type %d", ErrBadSecondaryBinlog, b.GetCommitTs(), b.GetType())
}

func toDML(table *secondarypb.Table, mut *secondarypb.TableMutation) (*DML, error) {
	dml := &DML{Database: table.GetSchemaName(), Table: table.GetTableName()}
	switch mut.GetType() {
	case secondarypb.MutationType_Insert:
		dml.Tp = InsertDMLType
	case secondarypb.MutationType_Update:
		dml.Tp = UpdateDMLType
	case secondarypb.MutationType_Delete:
		dml.Tp = DeleteDMLType
	default:
		return nil, fmt.Errorf("%w: mutation type %d", ErrBadSecondaryBinlog, mut.GetType())
	}
	var err error
	if dml.Values, err = rowValues(table, mut.GetRow()); err != nil {
		return nil, err
	}
	if dml.Tp == UpdateDMLType {
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
			ErrBadSecondaryBinlog, table.GetSchemaName(), table.GetTableName(), len(cols), len(infos))
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
			return 0, fmt.Errorf("%w: bit value of %d bytes", ErrBadSecondaryBinlog, len(b))
		}
		v = v<<8 | uint64(x)
	}
	return v, nil
}
