package arbiter

import (
	"errors"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/openbinlog/tidb-binlog/pkg/kafkareader"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

// errSlow: the fast decoder leaves the message to the protobuf path (a
// DDL, a malformed message, or a shape no writer produces).
var errSlow = errors.New("arbiter: message for the protobuf decoder")

// maxNames bounds the decoder's interned names (reset when full).
const maxNames = 4096

// maxShared is the largest message whose text values share one string: a
// value of a larger one gets a string of its own, so that a short value
// kept by the loader does not keep a big message (mostly bytes values,
// copied apart) alive twice over.
const maxShared = 64 << 10

// decoder turns the raw secondary binlogs of a Raw reader into loader
// transactions. The DML path reads the wire format straight into the
// loader's rows, without the protobuf structs (a pointer for every
// optional field, a string for every value): one string conversion a
// message, value strings are parts of it, names are interned. It accepts
// only what proto.Unmarshal, kafkareader's checks and
// loader.SecondaryBinlogToTxn accept, with the same result; everything else
// goes through them (so errors are theirs). One goroutine uses it.
type decoder struct {
	names map[string]string
	raw   []byte // the message being decoded
	s     string // the same bytes as a string ("" above maxShared)
	dmls  []*loader.DML
	slab  []loader.DML // the DMLs of a small transaction, allocated at once
	infos []colInfo    // the column infos of the table being decoded
}

// maxSlab is the most DMLs allocated as one array: a DML the loader still
// points at keeps its array alive, which must not be a big transaction's.
const maxSlab = 256

func newDecoder() *decoder { return &decoder{names: make(map[string]string)} }

// txn decodes the raw values of one Message.
func (d *decoder) txn(raw []kafkareader.RawValue) (*loader.Txn, error) {
	txn, err := d.fast(raw)
	d.raw, d.s, d.dmls, d.slab, d.infos = nil, "", nil, nil, d.infos[:0]
	if err == nil {
		return txn, nil
	}
	return slowTxn(raw)
}

// slowTxn decodes with proto.Unmarshal and joins as kafkareader does.
func slowTxn(raw []kafkareader.RawValue) (*loader.Txn, error) {
	bs := make([]*secondarypb.Binlog, len(raw))
	for i, rv := range raw {
		b, err := kafkareader.Decode(rv.Value)
		if err != nil {
			return nil, &kafkareader.DecodeError{Partition: rv.Partition, Offset: rv.Offset, Err: err}
		}
		bs[i] = b
	}
	joined := bs[0]
	if len(bs) > 1 && joined.DmlData != nil {
		var tables []*secondarypb.Table
		for _, b := range bs {
			tables = append(tables, b.GetDmlData().GetTables()...)
		}
		joined.DmlData.Tables = tables
	}
	return loader.SecondaryBinlogToTxn(joined)
}

// fast decodes DML binlogs; anything else is errSlow.
func (d *decoder) fast(raw []kafkareader.RawValue) (*loader.Txn, error) {
	var commitTS int64
	n := 0
	for _, rv := range raw {
		n += countMutations(rv.Value)
	}
	d.dmls, d.slab = nil, nil
	if n > 0 {
		d.dmls = make([]*loader.DML, 0, n)
	}
	if n <= maxSlab {
		d.slab = make([]loader.DML, n)
	}
	for i, rv := range raw {
		ts, hasDML, err := d.binlog(rv.Value)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			commitTS = ts
			if !hasDML && len(raw) > 1 {
				return nil, errSlow
			}
		}
	}
	return &loader.Txn{CommitTS: commitTS, DMLs: d.dmls}, nil
}

// countMutations counts the table mutations of a binlog for sizing (0 if
// it does not decode: the decoding will fail).
func countMutations(v []byte) int {
	n := 0
	eachBytes(v, binlogDMLData, func(dml []byte) {
		eachBytes(dml, dmlTables, func(tbl []byte) {
			eachBytes(tbl, tableMutations, func([]byte) { n++ })
		})
	})
	return n
}

// eachBytes calls fn with every length-delimited field num of b (up to
// where b stops decoding).
func eachBytes(b []byte, num protowire.Number, fn func([]byte)) {
	for len(b) > 0 {
		f, rest, ok := next(b)
		if !ok {
			return
		}
		b = rest
		if f.num == num && f.typ == protowire.BytesType {
			fn(f.b)
		}
	}
}

// field is one field of a message on the wire.
type field struct {
	num protowire.Number
	typ protowire.Type
	v   uint64 // a varint or fixed64
	b   []byte // a length-delimited value
}

// next reads the field b starts with; ok is false where proto.Unmarshal
// would fail.
func next(b []byte) (f field, rest []byte, ok bool) {
	num, typ, n := protowire.ConsumeTag(b)
	if n < 0 {
		return f, nil, false
	}
	b = b[n:]
	f.num, f.typ = num, typ
	switch typ {
	case protowire.VarintType:
		f.v, n = protowire.ConsumeVarint(b)
	case protowire.Fixed64Type:
		f.v, n = protowire.ConsumeFixed64(b)
	case protowire.BytesType:
		f.b, n = protowire.ConsumeBytes(b)
	default:
		n = protowire.ConsumeFieldValue(num, typ, b)
	}
	if n < 0 {
		return f, nil, false
	}
	return f, b[n:], true
}

// str is the part of the message string that b (a part of raw) covers: it
// shares the one conversion of the message.
func (d *decoder) str(b []byte) string {
	if len(d.raw) > maxShared {
		return string(b)
	}
	off := cap(d.raw) - cap(b)
	return d.s[off : off+len(b)]
}

// name is b as an interned string: names outlive the message in the
// loader's caches, which must not keep a whole message alive.
func (d *decoder) name(b []byte) string {
	if s, ok := d.names[string(b)]; ok {
		return s
	}
	if len(d.names) >= maxNames {
		clear(d.names)
	}
	s := string(b)
	d.names[s] = s
	return s
}
