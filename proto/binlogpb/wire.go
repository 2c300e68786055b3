package binlogpb

import (
	"bytes"
	"errors"

	"google.golang.org/protobuf/encoding/protowire"
)

// ErrMalformed rejects a payload that proto.Unmarshal would reject as a
// Binlog.
var ErrMalformed = errors.New("binlogpb: malformed binlog payload")

// Field numbers of Binlog (binlog.proto); wire_test.go checks them against
// the message descriptor.
const (
	fieldTp             protowire.Number = 1
	fieldStartTs        protowire.Number = 2
	fieldCommitTs       protowire.Number = 3
	fieldPrewriteKey    protowire.Number = 4
	fieldPrewriteValue  protowire.Number = 5
	fieldDdlQuery       protowire.Number = 6
	fieldDdlJobID       protowire.Number = 7
	fieldDdlSchemaState protowire.Number = 8
)

// Header is what the pump needs of a binlog to store and index it: its type
// and timestamps.
type Header struct {
	Tp       BinlogType
	StartTs  int64
	CommitTs int64
}

// IsFake reports whether the binlog is a fake one (start_ts == commit_ts).
func (h Header) IsFake() bool { return h.StartTs == h.CommitTs && h.StartTs != 0 }

// IsProbe reports whether the binlog is the empty probe of the pump client.
func (h Header) IsProbe() bool { return h.StartTs == 0 && h.CommitTs == 0 }

// Header returns b's header.
func (b *Binlog) Header() Header {
	return Header{Tp: b.GetTp(), StartTs: b.GetStartTs(), CommitTs: b.GetCommitTs()}
}

// PeekHeader decodes only the type, start_ts and commit_ts of a marshaled
// Binlog, without copying the prewrite value. It accepts exactly the
// payloads proto.Unmarshal accepts and gives the same GetTp, GetStartTs and
// GetCommitTs: the last occurrence of a field wins, a field with an
// unexpected wire type is an unknown field, and an enum number BinlogType
// does not define is kept (Go treats every enum as open).
func PeekHeader(p []byte) (Header, error) {
	var h Header
	for len(p) > 0 {
		num, typ, n := consumeTag(p)
		if n < 0 {
			return Header{}, ErrMalformed
		}
		p = p[n:]
		if typ == protowire.VarintType && num >= fieldTp && num <= fieldCommitTs {
			v, m := protowire.ConsumeVarint(p)
			if m < 0 {
				return Header{}, ErrMalformed
			}
			switch num {
			case fieldTp:
				h.Tp = BinlogType(int32(v))
			case fieldStartTs:
				h.StartTs = int64(v)
			case fieldCommitTs:
				h.CommitTs = int64(v)
			}
			p = p[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, p)
		if m < 0 {
			return Header{}, ErrMalformed
		}
		p = p[m:]
	}
	return h, nil
}

// consumeTag is protowire.ConsumeTag that, like proto.Unmarshal, also
// rejects field numbers above the maximum.
func consumeTag(p []byte) (protowire.Number, protowire.Type, int) {
	num, typ, n := protowire.ConsumeTag(p)
	if n >= 0 && num > protowire.MaxValidNumber {
		return 0, 0, -1
	}
	return num, typ, n
}

// wireFields splits a marshaled Binlog into fields, each with its tag.
// known[n] is the last occurrence of field n (1..8) with the wire type of
// the schema, which is the one proto.Unmarshal keeps; every other field
// (unknown numbers, unexpected wire types) is an unknown field, kept in
// order when collected.
type wireFields struct {
	known   [fieldDdlSchemaState + 1][]byte
	unknown [][]byte
}

// fieldWireType is the wire type of Binlog field n in the schema.
func fieldWireType(n protowire.Number) protowire.Type {
	switch n {
	case fieldPrewriteKey, fieldPrewriteValue, fieldDdlQuery:
		return protowire.BytesType
	default:
		return protowire.VarintType
	}
}

// split fills f from p and fails where proto.Unmarshal fails.
func (f *wireFields) split(p []byte, keepUnknown bool) error {
	for len(p) > 0 {
		num, typ, n := consumeTag(p)
		if n < 0 {
			return ErrMalformed
		}
		m := protowire.ConsumeFieldValue(num, typ, p[n:])
		if m < 0 {
			return ErrMalformed
		}
		field := p[:n+m]
		p = p[n+m:]
		if num <= fieldDdlSchemaState && typ == fieldWireType(num) {
			f.known[num] = field
		} else if keepUnknown {
			f.unknown = append(f.unknown, field)
		}
	}
	return nil
}

// MergeCommit returns the commit binlog with the start_ts, prewrite_value,
// ddl_query, ddl_job_id and ddl_schema_state of its prewrite, working on
// the wire format: the prewrite value is copied once and nothing is
// unmarshaled. The result decodes to the same message as unmarshaling
// both, copying those fields (a nil one included) into the commit,
// FillDefaults and Marshal, and for well-formed input has the same bytes:
// fields in number order, the non-nullable ones always present, the
// commit's unknown fields last.
func MergeCommit(commit, prewrite []byte) ([]byte, error) {
	parts, err := MergeCommitParts(commit, prewrite, nil)
	if err != nil {
		return nil, err
	}
	// bytes.Join does not clear the buffer it fills (make does, which cost
	// as much as the copy with 100 KiB values).
	return bytes.Join(parts, nil), nil
}

// MergeCommitParts is MergeCommit without the copy: it appends to parts the
// pieces whose concatenation is the merged binlog. They alias commit and
// prewrite (and small constant encodings that must not be modified either),
// so that a sender can write the prewrite value from where it is.
func MergeCommitParts(commit, prewrite []byte, parts [][]byte) ([][]byte, error) {
	var c, p wireFields
	if err := c.split(commit, true); err != nil {
		return nil, err
	}
	if err := p.split(prewrite, false); err != nil {
		return nil, err
	}
	var out wireFields
	out.known[fieldTp] = c.known[fieldTp]
	out.known[fieldStartTs] = p.known[fieldStartTs]
	out.known[fieldCommitTs] = c.known[fieldCommitTs]
	out.known[fieldPrewriteKey] = c.known[fieldPrewriteKey]
	out.known[fieldPrewriteValue] = p.known[fieldPrewriteValue]
	out.known[fieldDdlQuery] = p.known[fieldDdlQuery]
	out.known[fieldDdlJobID] = p.known[fieldDdlJobID]
	out.known[fieldDdlSchemaState] = p.known[fieldDdlSchemaState]
	for n := range out.known {
		if out.known[n] == nil && nonNullable(protowire.Number(n)) {
			out.known[n] = zeroVarintFields[n]
		}
		if len(out.known[n]) > 0 {
			parts = append(parts, out.known[n])
		}
	}
	return append(parts, c.unknown...), nil
}

// nonNullable reports whether gogoproto always wrote field n (see
// FillDefaults).
func nonNullable(n protowire.Number) bool {
	switch n {
	case fieldTp, fieldStartTs, fieldCommitTs, fieldDdlJobID, fieldDdlSchemaState:
		return true
	default:
		return false
	}
}

// zeroVarintFields[n] is the encoding of varint field n holding 0, for the
// non-nullable fields; shared and read-only.
var zeroVarintFields = func() (z [fieldDdlSchemaState + 1][]byte) {
	for n := range z {
		if nonNullable(protowire.Number(n)) {
			b := protowire.AppendVarint(protowire.AppendTag(nil, protowire.Number(n), protowire.VarintType), 0)
			z[n] = b[:len(b):len(b)] // an append to it must not write into the shared array
		}
	}
	return z
}()
