package reparo

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// Errors of the pb_binlog translation.
var (
	// ErrBadColumn is a column of an event that cannot be decoded.
	ErrBadColumn = errors.New("reparo: bad column")
	// ErrUnknownType is a binlog or event type reparo does not know.
	ErrUnknownType = errors.New("reparo: unknown type")
)

// Column is one decoded column of a pb_binlog event. Old holds the value of
// an insert or delete, or the old value of an update; New the new value of
// an update.
type Column struct {
	Name      string
	MySQLType string
	Tp        byte
	Old       codec.Datum
	New       codec.Datum
}

// DecodeColumn decodes one marshaled pb_binlog column. changed says whether
// changed_value is to be decoded (updates).
func DecodeColumn(raw []byte, changed bool) (Column, error) {
	return newTranslator().decodeColumn(raw, changed)
}

// translator decodes binlogs, sharing the strings of column names and
// types between them.
type translator struct {
	names interner
	cols  []Column // scratch for one event
	// seen are the name and type strings of the columns of the last
	// events by position: the next event of the same table has the same,
	// found without hashing.
	seen []columnNames
	// loc is the time zone TIMESTAMP values were written in (the drainer
	// host's local time); the Txn carries them in UTC.
	loc *time.Location
	// aliasText: text values are strings over the binlog's bytes instead
	// of copies (two allocations a sysbench row less). Only for binlogs
	// whose bytes nothing writes to while the transactions live: those the
	// source decodes from a payload of their own.
	aliasText bool
}

// columnNames are the interned name and MySQL type of a column.
type columnNames struct{ name, mysqlType string }

func newTranslator() *translator { return newTranslatorIn(time.Local) }

// newTranslatorIn returns a translator reading TIMESTAMP values in loc.
func newTranslatorIn(loc *time.Location) *translator {
	return &translator{loc: loc}
}

func (t *translator) decodeColumn(raw []byte, changed bool) (Column, error) {
	return t.decodeColumnAt(-1, raw, changed)
}

// decodeColumnAt decodes the column at position i of its event (-1: not
// known).
func (t *translator) decodeColumnAt(i int, raw []byte, changed bool) (Column, error) {
	pc, err := parseColumn(raw)
	if err != nil {
		return Column{}, fmt.Errorf("%w: unmarshal: %w", ErrBadColumn, err)
	}
	n := t.columnNames(i, pc.name, pc.mysqlType)
	c := Column{Name: n.name, MySQLType: n.mysqlType}
	if len(pc.tp) > 0 {
		c.Tp = pc.tp[0]
	}
	if c.Old, err = decodeValue(pc.value); err != nil {
		return Column{}, fmt.Errorf("%w: column %s value: %w", ErrBadColumn, c.Name, err)
	}
	if changed {
		if c.New, err = decodeValue(pc.changed); err != nil {
			return Column{}, fmt.Errorf("%w: column %s changed value: %w", ErrBadColumn, c.Name, err)
		}
	}
	return c, nil
}

// columnNames returns the interned strings of a column's name and type,
// first comparing them with those of the column at the same position in
// the last event.
func (t *translator) columnNames(i int, name, mysqlType []byte) columnNames {
	if i >= 0 && i < len(t.seen) {
		if s := t.seen[i]; s.name == string(name) && s.mysqlType == string(mysqlType) {
			return s
		}
	}
	n := columnNames{name: t.names.intern(name), mysqlType: t.names.intern(mysqlType)}
	switch {
	case i >= 0 && i < len(t.seen):
		t.seen[i] = n
	case i == len(t.seen) && i < maxColumnsSeen:
		t.seen = append(t.seen, n)
	}
	return n
}

// maxColumnsSeen bounds translator.seen.
const maxColumnsSeen = 4096

// rawColumn holds the fields of a marshaled pb_binlog column, aliasing it.
type rawColumn struct {
	name, tp, mysqlType, value, changed []byte
}

// parseColumn reads a marshaled pb_binlog column without reflection (the
// hot path of a restore); unknown fields are skipped.
func parseColumn(b []byte) (rawColumn, error) {
	var c rawColumn
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return rawColumn{}, protowire.ParseError(n)
		}
		b = b[n:]
		if typ != protowire.BytesType || num < 1 || num > 5 {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return rawColumn{}, protowire.ParseError(n)
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return rawColumn{}, protowire.ParseError(n)
		}
		b = b[n:]
		switch num {
		case 1:
			c.name = v
		case 2:
			c.tp = v
		case 3:
			c.mysqlType = v
		case 4:
			c.value = v
		case 5:
			c.changed = v
		}
	}
	return c, nil
}

// decodeValue decodes one datum; an absent value is NULL.
func decodeValue(b []byte) (codec.Datum, error) {
	if len(b) == 0 {
		return codec.NewNullDatum(), nil
	}
	_, d, err := codec.DecodeOne(b)
	return d, err
}

// DecodeEvent decodes every column of an event.
func DecodeEvent(ev *filepb.Event) ([]Column, error) {
	return newTranslator().decodeEvent(ev, nil)
}

// decodeEvent decodes the columns of ev, appended to cols[:0].
func (t *translator) decodeEvent(ev *filepb.Event, cols []Column) ([]Column, error) {
	update := ev.GetTp() == filepb.EventType_Update
	cols = cols[:0]
	for i, raw := range ev.GetRow() {
		c, err := t.decodeColumnAt(i, raw, update)
		if err != nil {
			return nil, fmt.Errorf("event %s.%s: %w", ev.GetSchemaName(), ev.GetTableName(), err)
		}
		cols = append(cols, c)
	}
	return cols, nil
}

// isTextType lists the column types whose values go to MySQL (and to the
// print output) as text: dates, times, decimals, char/varchar and JSON.
func isTextType(tp byte) bool {
	switch tp {
	case model.TypeDate, model.TypeDatetime, model.TypeNewDate, model.TypeTimestamp, model.TypeDuration,
		0 /* TypeDecimal */, model.TypeNewDecimal, model.TypeVarchar, model.TypeString, model.TypeJSON:
		return true
	}
	return false
}

// SQLValue is the Go value handed to MySQL for a datum of a column of type
// tp: nil for NULL; strings for dates, times, decimals, char/varchar and
// JSON; uint64 for enum (index), set (bitmask) and bit; float32 for FLOAT;
// int64, uint64, float64 or []byte otherwise.
func SQLValue(d codec.Datum, tp byte) any {
	if d.IsNull() {
		return nil
	}
	switch {
	case isTextType(tp):
		if k := d.Kind(); k == codec.KindBytes || k == codec.KindString {
			return string(d.GetBytes())
		}
		return d.String()
	case tp == model.TypeEnum || tp == model.TypeSet || tp == model.TypeBit:
		return asUint(d)
	case tp == model.TypeFloat && d.Kind() == codec.KindFloat64:
		return d.GetFloat32()
	}
	return goValue(d)
}

// sqlValue is SQLValue with TIMESTAMP values moved from the translator's
// zone to UTC, the session time zone reparo writes with.
func (t *translator) sqlValue(d codec.Datum, tp byte) any {
	if t.aliasText && tp != model.TypeTimestamp && isTextType(tp) {
		if k := d.Kind(); k == codec.KindBytes || k == codec.KindString {
			b := d.GetBytes()
			return unsafe.String(unsafe.SliceData(b), len(b))
		}
	}
	v := SQLValue(d, tp)
	if s, ok := v.(string); ok && tp == model.TypeTimestamp && t.loc != time.UTC {
		return TimestampToUTC(s, t.loc)
	}
	return v
}

// TimestampToUTC reads a TIMESTAMP's text ("2006-01-02 15:04:05[.ffffff]")
// in loc and writes it in UTC, keeping the fraction. A zero or unreadable
// value is returned unchanged.
func TimestampToUTC(s string, loc *time.Location) string {
	const layout = "2006-01-02 15:04:05"
	sec, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		sec, frac = s[:i], s[i:]
	}
	if strings.HasPrefix(sec, "0000-00-00") {
		return s
	}
	ts, err := time.ParseInLocation(layout, sec, loc)
	if err != nil {
		return s
	}
	return ts.UTC().Format(layout) + frac
}

// asUint reads an enum, set or bit datum as uint64.
func asUint(d codec.Datum) uint64 {
	switch d.Kind() {
	case codec.KindBytes, codec.KindString, codec.KindMysqlBit, codec.KindBinaryLiteral:
		var v uint64
		for _, b := range d.GetBytes() {
			v = v<<8 | uint64(b)
		}
		return v
	}
	return d.GetUint64()
}

// goValue is the datum's value as TiDB's Datum.GetValue returns it.
func goValue(d codec.Datum) any {
	switch d.Kind() {
	case codec.KindNull:
		return nil
	case codec.KindInt64:
		return d.GetInt64()
	case codec.KindUint64:
		return d.GetUint64()
	case codec.KindFloat32:
		return d.GetFloat32()
	case codec.KindFloat64:
		return d.GetFloat64()
	case codec.KindString:
		return d.GetString()
	case codec.KindBytes:
		return d.GetBytes()
	case codec.KindMysqlDecimal:
		return d.GetDecimal()
	case codec.KindMysqlDuration:
		return d.GetDuration()
	case codec.KindMysqlTime:
		return d.GetTime()
	case codec.KindMysqlEnum:
		return d.GetEnum()
	case codec.KindMysqlSet:
		return d.GetSet()
	case codec.KindMysqlBit, codec.KindBinaryLiteral:
		return d.GetBinaryLiteral()
	case codec.KindMysqlJSON:
		return d.GetJSON()
	}
	return d.String()
}

// PrintValue formats a datum as the original's print destination does:
// text types with %s, everything else (and NULL) with %v.
func PrintValue(d codec.Datum, tp byte) string {
	v := goValue(d)
	if isTextType(tp) && v != nil {
		return fmt.Sprintf("%s", v)
	}
	return fmt.Sprintf("%v", v)
}

// BinlogToTxn translates a pb_binlog record into the loader's transaction
// (TIMESTAMP values read in time.Local, written in UTC):
// a DDL without its "use `db`;" prefix, its database taken from the USE
// statement or from the DDL; or one DML per event.
func BinlogToTxn(b *filepb.Binlog) (*loader.Txn, error) {
	return newTranslator().binlogToTxn(b)
}

func (t *translator) binlogToTxn(b *filepb.Binlog) (*loader.Txn, error) {
	switch b.GetTp() {
	case filepb.BinlogType_DDL:
		ddl, err := ParseDDL(string(b.GetDdlQuery()))
		if err != nil {
			return nil, err
		}
		return &loader.Txn{DDL: &loader.DDL{Database: ddl.Schema, Table: ddl.Table, SQL: ddl.SQL}, CommitTS: b.GetCommitTs()}, nil
	case filepb.BinlogType_DML:
		evs := b.GetDmlData().GetEvents()
		txn := &loader.Txn{DMLs: make([]*loader.DML, len(evs)), CommitTS: b.GetCommitTs()}
		dmls := make([]loader.DML, len(evs)) // one allocation for the transaction's DMLs
		for i, ev := range evs {
			if err := t.fillDML(&dmls[i], ev); err != nil {
				return nil, err
			}
			txn.DMLs[i] = &dmls[i]
		}
		return txn, nil
	}
	return nil, fmt.Errorf("%w: binlog type %d at commit ts %d", ErrUnknownType, b.GetTp(), b.GetCommitTs())
}

// EventToDML translates one event: Values is the inserted or deleted row,
// or the new row of an update whose old row is OldValues.
func EventToDML(ev *filepb.Event) (*loader.DML, error) {
	return newTranslator().eventToDML(ev)
}

func (t *translator) eventToDML(ev *filepb.Event) (*loader.DML, error) {
	dml := new(loader.DML)
	if err := t.fillDML(dml, ev); err != nil {
		return nil, err
	}
	return dml, nil
}

// fillDML translates ev into dml.
func (t *translator) fillDML(dml *loader.DML, ev *filepb.Event) error {
	dml.Database, dml.Table = ev.GetSchemaName(), ev.GetTableName()
	switch ev.GetTp() {
	case filepb.EventType_Insert:
		dml.Tp = loader.InsertDMLType
	case filepb.EventType_Update:
		dml.Tp = loader.UpdateDMLType
	case filepb.EventType_Delete:
		dml.Tp = loader.DeleteDMLType
	default:
		return fmt.Errorf("%w: event type %d of %s.%s", ErrUnknownType, ev.GetTp(), dml.Database, dml.Table)
	}
	cols, err := t.decodeEvent(ev, t.cols)
	if err != nil {
		return err
	}
	t.cols = cols
	dml.Values = make(map[string]any, len(cols))
	if dml.Tp == loader.UpdateDMLType {
		dml.OldValues = make(map[string]any, len(cols))
	}
	for _, c := range cols {
		if dml.Tp == loader.UpdateDMLType {
			dml.Values[c.Name] = t.sqlValue(c.New, c.Tp)
			dml.OldValues[c.Name] = t.sqlValue(c.Old, c.Tp)
			continue
		}
		dml.Values[c.Name] = t.sqlValue(c.Old, c.Tp)
	}
	return nil
}
