package translator

import (
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
	"google.golang.org/protobuf/proto"
)

// TiBinlogToSecondaryBinlog translates a binlog for the Kafka sink (SPEC
// 1.5). A DDL becomes DDLData{schema, table, TiDB's query}. A DML becomes one
// Table per mutation (column infos of every column, unique keys with PRIMARY
// first for a pk-handle table) whose mutations follow the sequence; every row
// lists every column, in column order. For an update, row is the new row and
// change_row the old one. loc is the zone of TIMESTAMP values (the drainer
// passes time.Local).
//
// Columns a row lacks get their default value in every kind of row. The
// original's update translator discarded those defaults and wrote NULL
// (SPEC 12.14); this one fills them like its insert and delete translators.
func TiBinlogToSecondaryBinlog(g TableInfoGetter, schema, table string, b *binlogpb.Binlog, pv *binlogpb.PrewriteValue,
	loc *time.Location) (*secondarypb.Binlog, error) {
	out := &secondarypb.Binlog{CommitTs: proto.Int64(b.GetCommitTs())}
	if b.GetDdlJobId() > 0 {
		out.Type = secondarypb.BinlogType_DDL.Enum()
		out.DdlData = &secondarypb.DDLData{
			SchemaName: proto.String(schema),
			TableName:  proto.String(table),
			DdlQuery:   b.GetDdlQuery(),
		}
		return out, nil
	}
	out.Type = secondarypb.BinlogType_DML.Enum()
	changes, err := DecodePrewrite(g, pv, loc)
	if err != nil {
		return nil, err
	}
	out.DmlData = &secondarypb.DMLData{}
	for _, tc := range changes {
		t := secondaryTable(tc.Schema, tc.Info)
		for _, rc := range tc.Rows {
			m, err := secondaryMutation(tc, rc)
			if err != nil {
				return nil, err
			}
			t.Mutations = append(t.Mutations, m)
		}
		out.DmlData.Tables = append(out.DmlData.Tables, t)
	}
	return out, nil
}

// secondaryTable describes a table: its columns and its unique keys.
func secondaryTable(schema string, info *model.TableInfo) *secondarypb.Table {
	t := &secondarypb.Table{SchemaName: proto.String(schema), TableName: proto.String(info.Name.O)}
	for _, col := range info.Columns {
		t.ColumnInfo = append(t.ColumnInfo, &secondarypb.ColumnInfo{
			Name:         proto.String(col.Name.O),
			MysqlType:    proto.String(model.TypeToStr(col.Tp, col.Charset)),
			IsPrimaryKey: proto.Bool(col.IsPriKey()),
			Flen:         proto.Int32(int32(col.Flen)),
			Decimal:      proto.Int32(int32(col.Decimal)),
		})
	}
	// A pk-handle table has no PRIMARY index in Indices: add it first.
	if pk := info.GetPkColInfo(); pk != nil {
		t.UniqueKeys = append(t.UniqueKeys, &secondarypb.Key{
			Name: proto.String("PRIMARY"), ColumnNames: []string{pk.Name.O},
		})
	}
	for _, ix := range info.Indices {
		if !ix.Unique && !ix.Primary {
			continue
		}
		if info.PKIsHandle && ix.Name.O == "PRIMARY" {
			continue
		}
		names := make([]string, len(ix.Columns))
		for i, c := range ix.Columns {
			names[i] = c.Name.O
		}
		t.UniqueKeys = append(t.UniqueKeys, &secondarypb.Key{Name: proto.String(ix.Name.O), ColumnNames: names})
	}
	return t
}

func secondaryMutation(tc *TableChange, rc RowChange) (*secondarypb.TableMutation, error) {
	m := &secondarypb.TableMutation{}
	var err error
	switch rc.Type {
	case Insert:
		m.Type = secondarypb.MutationType_Insert.Enum()
	case Update:
		m.Type = secondarypb.MutationType_Update.Enum()
		if m.ChangeRow, err = secondaryRow(tc, rc.OldValues); err != nil {
			return nil, err
		}
	case Delete:
		m.Type = secondarypb.MutationType_Delete.Enum()
	}
	if m.Row, err = secondaryRow(tc, rc.Values); err != nil {
		return nil, err
	}
	return m, nil
}

// secondaryRow lists every column of the table, defaults for missing ones.
// Used for update rows too: the original's update translator computed the
// default and dropped it, writing NULL (SPEC 12.14); we keep it.
func secondaryRow(tc *TableChange, values map[int64]codec.Datum) (*secondarypb.Row, error) {
	row := &secondarypb.Row{Columns: make([]*secondarypb.Column, 0, len(tc.Info.Columns))}
	for _, col := range tc.Info.Columns {
		v, err := tc.ValueOrDefault(values, col)
		if err != nil {
			return nil, err
		}
		row.Columns = append(row.Columns, secondaryColumn(col, v))
	}
	return row, nil
}
