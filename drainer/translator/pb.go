package translator

import (
	"fmt"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
	"google.golang.org/protobuf/proto"
)

// TiBinlogToPbBinlog translates a binlog for the file sink (SPEC 1.6). A DDL
// records its query as "use `schema`; <ddl>;" (or "<ddl>;" for CREATE
// DATABASE). A DML records one Event per row, in mutation and sequence order;
// each column holds codec.EncodeValue of its formatData value: inserts list
// every column (defaults for the ones the row lacks), updates the writable
// columns the row holds with value = old and changed_value = new, deletes the
// columns the row holds. loc is the zone of TIMESTAMP values (the drainer
// passes time.Local).
func TiBinlogToPbBinlog(g TableInfoGetter, schema, table string, b *binlogpb.Binlog, pv *binlogpb.PrewriteValue,
	loc *time.Location) (*filepb.Binlog, error) {
	out := &filepb.Binlog{CommitTs: proto.Int64(b.GetCommitTs())}
	if b.GetDdlJobId() > 0 {
		out.Tp = filepb.BinlogType_DDL.Enum()
		out.DdlQuery = []byte(fileSinkDDLQuery(schema, string(b.GetDdlQuery())))
		return out, nil
	}
	out.Tp = filepb.BinlogType_DML.Enum()
	changes, err := DecodePrewrite(g, pv, loc)
	if err != nil {
		return nil, err
	}
	out.DmlData = &filepb.DMLData{}
	for _, tc := range changes {
		writable := tc.Info.WritableColumns()
		for _, rc := range tc.Rows {
			ev, err := pbEvent(tc, writable, rc)
			if err != nil {
				return nil, err
			}
			out.DmlData.Events = append(out.DmlData.Events, ev)
		}
	}
	return out, nil
}

func pbEvent(tc *TableChange, writable []*model.ColumnInfo, rc RowChange) (*filepb.Event, error) {
	ev := &filepb.Event{SchemaName: proto.String(tc.Schema), TableName: proto.String(tc.Info.Name.O)}
	var cols []*model.ColumnInfo
	switch rc.Type {
	case Insert:
		ev.Tp = filepb.EventType_Insert.Enum()
		cols = tc.Info.Columns
	case Update:
		ev.Tp = filepb.EventType_Update.Enum()
		cols = writable
	case Delete:
		ev.Tp = filepb.EventType_Delete.Enum()
		cols = tc.Info.Columns
	}
	for _, col := range cols {
		v, ok := rc.Values[col.ID]
		if !ok {
			continue
		}
		c := &filepb.Column{
			Name:      proto.String(col.Name.O),
			Tp:        []byte{col.Tp},
			MysqlType: proto.String(model.TypeToStr(col.Tp, col.Charset)),
		}
		var err error
		if rc.Type == Update {
			if c.Value, err = pbValue(col, rc.OldValues[col.ID]); err == nil {
				c.ChangedValue, err = pbValue(col, v)
			}
		} else {
			c.Value, err = pbValue(col, v)
		}
		if err != nil {
			return nil, err
		}
		raw, err := proto.Marshal(c)
		if err != nil {
			return nil, fmt.Errorf("translator: marshal column %s of table %d: %w", col.Name.O, tc.TableID, err)
		}
		ev.Row = append(ev.Row, raw)
	}
	return ev, nil
}

func pbValue(col *model.ColumnInfo, v codec.Datum) ([]byte, error) {
	b, err := codec.EncodeValue(nil, formatData(v, &col.FieldType))
	if err != nil {
		return nil, fmt.Errorf("translator: encode column %s: %w", col.Name.O, err)
	}
	return b, nil
}
