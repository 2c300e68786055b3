package storage

import "google.golang.org/protobuf/encoding/protowire"

// binlogFields splits a marshaled Binlog into fields, each with its tag.
// known[n] is the last occurrence of field n (1..8) with the wire type of
// the schema, which is the one proto.Unmarshal keeps; every other field
// (unknown numbers, unexpected wire types) is an unknown field, kept in
// order when collected.
type binlogFields struct {
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
func (f *binlogFields) split(p []byte, keepUnknown bool) error {
	for len(p) > 0 {
		num, typ, n := consumeTag(p)
		if n < 0 {
			return errBadBinlog
		}
		m := protowire.ConsumeFieldValue(num, typ, p[n:])
		if m < 0 {
			return errBadBinlog
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

// mergeCommit returns the commit binlog with the start_ts, prewrite_value,
// ddl_query, ddl_job_id and ddl_schema_state of its prewrite, working on
// the wire format: the prewrite value is copied once and nothing is
// unmarshaled. The result decodes to the same message as unmarshaling
// both, copying those fields (a nil one included) into the commit,
// FillDefaults and Marshal, and for well-formed input has the same bytes:
// fields in number order, the non-nullable ones always present, the
// commit's unknown fields last.
func mergeCommit(commit, prewrite []byte) ([]byte, error) {
	var c, p binlogFields
	if err := c.split(commit, true); err != nil {
		return nil, err
	}
	if err := p.split(prewrite, false); err != nil {
		return nil, err
	}
	var out binlogFields
	out.known[fieldTp] = c.known[fieldTp]
	out.known[fieldStartTs] = p.known[fieldStartTs]
	out.known[fieldCommitTs] = c.known[fieldCommitTs]
	out.known[fieldPrewriteKey] = c.known[fieldPrewriteKey]
	out.known[fieldPrewriteValue] = p.known[fieldPrewriteValue]
	out.known[fieldDdlQuery] = p.known[fieldDdlQuery]
	out.known[fieldDdlJobID] = p.known[fieldDdlJobID]
	out.known[fieldDdlSchemaState] = p.known[fieldDdlSchemaState]
	size := 0
	for n := range out.known {
		if out.known[n] == nil && nonNullable(protowire.Number(n)) {
			out.known[n] = zeroVarintField(protowire.Number(n))
		}
		size += len(out.known[n])
	}
	for _, f := range c.unknown {
		size += len(f)
	}
	buf := make([]byte, 0, size)
	for _, f := range out.known {
		buf = append(buf, f...)
	}
	for _, f := range c.unknown {
		buf = append(buf, f...)
	}
	return buf, nil
}

// nonNullable reports whether gogoproto always wrote field n (see
// binlogpb.Binlog.FillDefaults).
func nonNullable(n protowire.Number) bool {
	switch n {
	case fieldTp, fieldStartTs, fieldCommitTs, fieldDdlJobID, fieldDdlSchemaState:
		return true
	default:
		return false
	}
}

// zeroVarintField is the encoding of varint field n holding 0.
func zeroVarintField(n protowire.Number) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, n, protowire.VarintType), 0)
}
