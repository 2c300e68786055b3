package translator

import (
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// TiBinlogToTxn translates a binlog for the MySQL/TiDB sink. A DDL becomes
// Txn.DDL with TiDB's query unchanged (schema and table name its object);
// a DML becomes one loader.DML per row, in mutation and sequence order, with
// values as formatData gives them. loc is the downstream time zone TIMESTAMP
// values are converted to.
//
// Inserts carry every writable column (defaults for the ones the row lacks);
// updates the writable columns the row holds (old and new); deletes every
// column the row holds.
func TiBinlogToTxn(g TableInfoGetter, schema, table string, b *binlogpb.Binlog, pv *binlogpb.PrewriteValue,
	shouldSkip bool, loc *time.Location) (*loader.Txn, error) {
	if b.GetDdlJobId() > 0 {
		return &loader.Txn{DDL: &loader.DDL{
			Database: schema, Table: table, SQL: string(b.GetDdlQuery()), ShouldSkip: shouldSkip,
		}}, nil
	}
	if loc == nil {
		loc = time.Local
	}
	rows := 0
	for _, m := range pv.GetMutations() {
		rows += len(m.GetSequence())
	}
	txn := &loader.Txn{DMLs: make([]*loader.DML, 0, rows)}
	var slab dmlSlab
	// Each row goes straight into its DML: the decoder's value maps are
	// reused from row to row (DecodePrewrite's rows each keep their own).
	for _, m := range pv.GetMutations() {
		tc, err := mutationTable(g, pv.GetSchemaVersion(), m, loc)
		if err != nil {
			return nil, err
		}
		tc.dec.reuse = true
		writable := tc.Info.WritableColumns()
		err = tc.dec.eachRow(m, func(rc RowChange) error {
			dml := slab.next(rows - len(txn.DMLs))
			fillDML(dml, tc, writable, rc)
			txn.DMLs = append(txn.DMLs, dml)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return txn, nil
}

// dmlSlabMax bounds a slab of DMLs: one DML the loader still points at
// keeps its whole slab alive.
const dmlSlabMax = 64

// dmlSlab hands out DMLs allocated a slab at a time rather than one by one.
type dmlSlab struct{ free []loader.DML }

// next returns a zero DML; left is how many the transaction still needs.
func (s *dmlSlab) next(left int) *loader.DML {
	if len(s.free) == 0 {
		s.free = make([]loader.DML, min(max(left, 1), dmlSlabMax))
	}
	d := &s.free[0]
	s.free = s.free[1:]
	return d
}

func txnDML(tc *TableChange, writable []*model.ColumnInfo, rc RowChange) *loader.DML {
	dml := &loader.DML{}
	fillDML(dml, tc, writable, rc)
	return dml
}

// fillDML sets dml to the row change rc of table tc.
func fillDML(dml *loader.DML, tc *TableChange, writable []*model.ColumnInfo, rc RowChange) {
	dml.Database, dml.Table = tc.Schema, tc.Table
	switch rc.Type {
	case Insert:
		dml.Tp = loader.InsertDMLType
		dml.Values = sqlValues(writable, rc.Values)
	case Update:
		dml.Tp = loader.UpdateDMLType
		dml.Values = sqlValues(writable, rc.Values)
		dml.OldValues = sqlValues(writable, rc.OldValues)
	case Delete:
		dml.Tp = loader.DeleteDMLType
		dml.Values = sqlValues(tc.Info.Columns, rc.Values)
	}
}

// sqlValues maps the columns of cols that values holds to their SQL values.
func sqlValues(cols []*model.ColumnInfo, values map[int64]codec.Datum) map[string]any {
	m := make(map[string]any, len(cols))
	for _, col := range cols {
		if v, ok := values[col.ID]; ok {
			m[col.Name.O] = sqlValue(v, &col.FieldType)
		}
	}
	return m
}
