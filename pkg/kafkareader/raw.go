package kafkareader

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

// RawValue is one undecoded message of a Config.Raw reader.
type RawValue struct {
	Value     []byte
	Partition int32
	Offset    int64
}

// Field numbers of secondarypb.Binlog.
const (
	binlogType     = 1
	binlogCommitTS = 2
	binlogDMLData  = 3
	binlogDDLData  = 4
)

// header reads the top-level fields of a secondary binlog as proto.Unmarshal
// would (the last valid occurrence of a field wins, a field of another wire
// type is unknown) and makes decode's checks, without decoding the nested
// messages: a Raw reader learns the commit ts of a message for a few
// nanoseconds and leaves the rest to whoever decodes it.
func header(data []byte) (ts int64, hasDML bool, err error) {
	tp, hasTp, hasTS, hasDDL := int32(0), false, false, false
	for b := data; len(b) > 0; {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, false, fmt.Errorf("%w: %w", ErrNotBinlog, protowire.ParseError(n))
		}
		b = b[n:]
		var v uint64
		switch {
		case typ == protowire.VarintType && (num == binlogType || num == binlogCommitTS):
			v, n = protowire.ConsumeVarint(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return 0, false, fmt.Errorf("%w: %w", ErrNotBinlog, protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case typ == protowire.VarintType && num == binlogType:
			tp, hasTp = int32(v), true
		case typ == protowire.VarintType && num == binlogCommitTS:
			ts, hasTS = int64(v), true
		case typ == protowire.BytesType && num == binlogDMLData:
			hasDML = true
		case typ == protowire.BytesType && num == binlogDDLData:
			hasDDL = true
		}
	}
	if !hasTp || !hasTS || ts <= 0 {
		return 0, false, fmt.Errorf("%w: no type or commit ts", ErrNotBinlog)
	}
	if isDDL := tp == int32(secondarypb.BinlogType_DDL); isDDL != hasDDL {
		return 0, false, fmt.Errorf("%w: type %s with ddl_data %t", ErrNotBinlog, secondarypb.BinlogType(tp), hasDDL)
	}
	return ts, hasDML, nil
}

// readValue makes the Message of one consumed value: decoded, or with
// Config.Raw only its header read.
func (r *Reader) readValue(topic string, partition int32, offset int64, value []byte) *Message {
	m := &Message{Partition: partition, Offset: offset, Size: len(value)}
	var err error
	if r.cfg.Raw {
		m.Raw = []RawValue{{Value: value, Partition: partition, Offset: offset}}
		m.CommitTS, m.hasDML, err = header(value)
	} else if m.Binlog, err = decode(value); err == nil {
		m.CommitTS, m.hasDML = m.Binlog.GetCommitTs(), m.Binlog.DmlData != nil
	}
	if err != nil {
		m.err = &DecodeError{Topic: topic, Partition: partition, Offset: offset, Err: err}
	}
	return m
}

// joinRaw is join for a Raw reader: the values of the heads of commit ts
// out.CommitTS (all of them if out, the first, has dml_data, as join
// appends their tables; out's alone otherwise).
func joinRaw(heads []*Message, out *Message) *Message {
	joined := &Message{CommitTS: out.CommitTS, Partition: out.Partition, Offset: out.Offset, hasDML: out.hasDML}
	for i, h := range heads {
		if h == nil || h.CommitTS != out.CommitTS {
			continue
		}
		joined.Size += h.Size
		if h == out || out.hasDML {
			joined.Raw = append(joined.Raw, h.Raw...)
		}
		heads[i] = nil
	}
	return joined
}
