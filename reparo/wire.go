package reparo

import (
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// unmarshalBinlog decodes a pb_binlog record as proto.Unmarshal does, with
// a handful of allocations per record instead of a dozen per event (the
// reflection-driven decoder was a quarter of a restore's own CPU): the
// events, their names and their rows are allocated in one block each, the
// rows and ddl_query alias payload, and schema and table names are
// interned. payload must not be modified or reused afterwards (a
// binlogfile.Reader returns a fresh one per record). Records the fast path
// does not reproduce exactly (unknown fields or enum values, a repeated
// dml_data, names that are not UTF-8) go to proto.Unmarshal.
func unmarshalBinlog(payload []byte, names *interner) (*filepb.Binlog, error) {
	if b, ok := fastBinlog(payload, names); ok {
		return b, nil
	}
	b := new(filepb.Binlog)
	if err := proto.Unmarshal(payload, b); err != nil {
		return nil, err
	}
	return b, nil
}

// interner shares the strings of names decoded again and again (a restore
// decodes the same few schema, table and column names millions of times).
type interner struct {
	m map[string]string
}

// maxInterned bounds the names an interner keeps.
const maxInterned = 1 << 14

func (in *interner) intern(b []byte) string {
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	s := string(b)
	if in.m == nil {
		in.m = make(map[string]string)
	}
	if len(in.m) < maxInterned {
		in.m[s] = s
	}
	return s
}

// binlogFields are the top-level fields of a record (the last occurrence of
// each, as proto2 merges them).
type binlogFields struct {
	tp, ts   uint64
	hasTp    bool
	hasTs    bool
	dml, ddl []byte
	hasDML   bool
	hasDDL   bool
	events   int // events in dml
	rows     int // rows of all events
}

// binlogScalars holds a record's optional scalars in one allocation.
type binlogScalars struct {
	tp filepb.BinlogType
	ts int64
}

// eventScalars holds an event's optional scalars (one block per record).
type eventScalars struct {
	schema, table string
	tp            filepb.EventType
}

// fastBinlog decodes payload when it holds only the fields and enum values
// pb_binlog defines, each message field once; ok is false otherwise.
func fastBinlog(payload []byte, names *interner) (*filepb.Binlog, bool) {
	f, ok := scanBinlog(payload)
	if !ok {
		return nil, false
	}
	b := &filepb.Binlog{}
	sc := &binlogScalars{tp: filepb.BinlogType(f.tp), ts: int64(f.ts)}
	if f.hasTp {
		b.Tp = &sc.tp
	}
	if f.hasTs {
		b.CommitTs = &sc.ts
	}
	if f.hasDDL {
		b.DdlQuery = f.ddl
	}
	if f.hasDML {
		b.DmlData = &filepb.DMLData{}
		if f.events > 0 {
			b.DmlData.Events = fillEvents(f, names)
		}
	}
	return b, true
}

// scanBinlog reads the top-level fields and counts the events and rows,
// checking every field the fast path is to decode.
func scanBinlog(b []byte) (f binlogFields, ok bool) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return f, false
		}
		b = b[n:]
		switch {
		case (num == 1 || num == 2) && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return f, false
			}
			b = b[n:]
			if num == 1 {
				if v > uint64(filepb.BinlogType_DDL) {
					return f, false // an unknown type: proto's own handling
				}
				f.tp, f.hasTp = v, true
			} else {
				f.ts, f.hasTs = v, true
			}
		case (num == 3 || num == 4) && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return f, false
			}
			b = b[n:]
			v = v[:len(v):len(v)] // an append must not run into the next field
			if num == 4 {
				f.ddl, f.hasDDL = v, true
				continue
			}
			if f.hasDML {
				return f, false // a repeated message field is merged: proto's job
			}
			f.dml, f.hasDML = v, true
			if f.events, f.rows, ok = countEvents(v); !ok {
				return f, false
			}
		default:
			return f, false
		}
	}
	return f, true
}

// countEvents checks a DMLData and counts its events and their rows.
func countEvents(b []byte) (events, rows int, ok bool) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num != 1 || typ != protowire.BytesType {
			return 0, 0, false
		}
		b = b[n:]
		ev, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return 0, 0, false
		}
		b = b[n:]
		r, ok := scanEvent(ev, nil)
		if !ok {
			return 0, 0, false
		}
		events++
		rows += r
	}
	return events, rows, true
}

// eventFields are the fields of one event but its rows.
type eventFields struct {
	schema, table       []byte
	hasSchema, hasTable bool
	tp                  uint64
	hasTp               bool
}

// scanEvent checks an event and returns its number of rows; with out set
// it also stores the event's fields and rows there.
func scanEvent(b []byte, out *eventOut) (rows int, ok bool) {
	var ef eventFields
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, false
		}
		b = b[n:]
		switch {
		case num == 3 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 || v > uint64(filepb.EventType_Delete) {
				return 0, false
			}
			b = b[n:]
			ef.tp, ef.hasTp = v, true
		case num >= 1 && num <= 4 && num != 3 && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return 0, false
			}
			b = b[n:]
			switch num {
			case 1:
				ef.schema, ef.hasSchema = v, true
			case 2:
				ef.table, ef.hasTable = v, true
			case 4:
				if out != nil {
					out.rows[out.nRows+rows] = v[:len(v):len(v)]
				}
				rows++
			}
		default:
			return 0, false
		}
	}
	if (ef.hasSchema && !utf8.Valid(ef.schema)) || (ef.hasTable && !utf8.Valid(ef.table)) {
		return 0, false
	}
	if out != nil {
		out.fields = ef
	}
	return rows, true
}

// eventOut is where the second pass of scanEvent writes.
type eventOut struct {
	rows   [][]byte // every row of the record
	nRows  int      // rows filled before this event
	fields eventFields
}

// fillEvents builds the events scanBinlog counted (the second pass, over
// input the first one checked).
func fillEvents(f binlogFields, names *interner) []*filepb.Event {
	evs := make([]filepb.Event, f.events)
	ptrs := make([]*filepb.Event, f.events)
	scalars := make([]eventScalars, f.events)
	out := &eventOut{rows: make([][]byte, f.rows)}
	b := f.dml
	for i := range evs {
		_, _, n := protowire.ConsumeTag(b)
		b = b[n:]
		raw, n := protowire.ConsumeBytes(b)
		b = b[n:]
		nr, _ := scanEvent(raw, out)
		ev, sc := &evs[i], &scalars[i]
		if nr > 0 {
			ev.Row = out.rows[out.nRows : out.nRows+nr : out.nRows+nr]
		}
		out.nRows += nr
		ef := out.fields
		if ef.hasSchema {
			sc.schema = names.intern(ef.schema)
			ev.SchemaName = &sc.schema
		}
		if ef.hasTable {
			sc.table = names.intern(ef.table)
			ev.TableName = &sc.table
		}
		if ef.hasTp {
			sc.tp = filepb.EventType(ef.tp)
			ev.Tp = &sc.tp
		}
		ptrs[i] = ev
	}
	return ptrs
}
