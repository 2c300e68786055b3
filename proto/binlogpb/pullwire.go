package binlogpb

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of PullBinlogResp, Entity, Pos and Meta (pump.proto);
// pullwire_test.go takes them from the message descriptors and checks the
// encoding against proto.Marshal.
const (
	fieldRespEntity     protowire.Number = 1
	fieldEntityPos      protowire.Number = 1
	fieldEntityPayload  protowire.Number = 2
	fieldEntityChecksum protowire.Number = 3
	fieldEntityMeta     protowire.Number = 4
	fieldPosSuffix      protowire.Number = 1
	fieldPosOffset      protowire.Number = 2
	fieldMetaStartTs    protowire.Number = 1
	fieldMetaCommitTs   protowire.Number = 2
)

// Field numbers for decoders outside this package that read a pulled
// binlog straight from the wire (the drainer's pull codec), so that the
// numbers are kept, and checked against the descriptors, in one place.
const (
	FieldPullRespEntity      = fieldRespEntity
	FieldEntityPos           = fieldEntityPos
	FieldEntityPayload       = fieldEntityPayload
	FieldEntityChecksum      = fieldEntityChecksum
	FieldEntityMeta          = fieldEntityMeta
	FieldBinlogPrewriteValue = fieldPrewriteValue
)

// SplitPullResp returns the wire encoding of r, the bytes proto.Marshal
// gives, in three parts: head, then the entity's payload itself (not
// copied), then tail, so that a codec can send a pulled payload without
// copying it into the message buffer. head and tail are appended to buf
// (head first; tail shares its array). ok is false when r holds unknown
// fields, which the split does not encode: marshal it as usual then.
func SplitPullResp(r *PullBinlogResp, buf []byte) (head, payload, tail []byte, ok bool) {
	head, tail, ok = splitPullResp(r, len(r.GetEntity().GetPayload()), buf)
	return head, r.GetEntity().GetPayload(), tail, ok
}

// PullRespFrame is SplitPullResp for a payload held elsewhere, in pieces:
// it returns head and tail as if r's entity had a payload of payloadLen
// bytes (r's own payload must be empty), so that head, the pieces and tail
// are the bytes proto.Marshal gives for r with the joined payload.
func PullRespFrame(r *PullBinlogResp, payloadLen int, buf []byte) (head, tail []byte, ok bool) {
	if len(r.GetEntity().GetPayload()) > 0 {
		return nil, nil, false
	}
	return splitPullResp(r, payloadLen, buf)
}

func splitPullResp(r *PullBinlogResp, payloadLen int, buf []byte) (head, tail []byte, ok bool) {
	if r.unknownFields != nil {
		return nil, nil, false
	}
	e := r.GetEntity()
	if e == nil {
		return buf[:0:0], nil, true
	}
	if e.unknownFields != nil || e.Pos != nil && e.Pos.unknownFields != nil || e.Meta != nil && e.Meta.unknownFields != nil {
		return nil, nil, false
	}
	var pos, meta []byte
	if e.Pos != nil {
		pos = appendVarintField(appendVarintField(nil, fieldPosSuffix, e.Pos.Suffix), fieldPosOffset, uint64(e.Pos.Offset))
	}
	if e.Meta != nil {
		meta = appendVarintField(appendVarintField(nil, fieldMetaStartTs, uint64(e.Meta.StartTs)),
			fieldMetaCommitTs, uint64(e.Meta.CommitTs))
	}
	n := 0
	if e.Pos != nil {
		n += sizeBytesField(fieldEntityPos, len(pos))
	}
	n += sizeBytesField(fieldEntityPayload, payloadLen) + sizeBytesField(fieldEntityChecksum, len(e.Checksum))
	if e.Meta != nil {
		n += sizeBytesField(fieldEntityMeta, len(meta))
	}
	head = protowire.AppendTag(buf[:0], fieldRespEntity, protowire.BytesType)
	head = protowire.AppendVarint(head, uint64(n))
	if e.Pos != nil {
		head = appendBytesField(head, fieldEntityPos, pos)
	}
	if payloadLen > 0 {
		head = protowire.AppendTag(head, fieldEntityPayload, protowire.BytesType)
		head = protowire.AppendVarint(head, uint64(payloadLen))
	}
	mark := len(head)
	tail = head
	if len(e.Checksum) > 0 {
		tail = appendBytesField(tail, fieldEntityChecksum, e.Checksum)
	}
	if e.Meta != nil {
		tail = appendBytesField(tail, fieldEntityMeta, meta)
	}
	return head[:mark:mark], tail[mark:], true
}

// appendVarintField appends a proto3 scalar: nothing when it is zero.
func appendVarintField(b []byte, n protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	return protowire.AppendVarint(protowire.AppendTag(b, n, protowire.VarintType), v)
}

// appendBytesField appends a length-delimited field (a message is written
// even when empty; callers skip empty proto3 bytes).
func appendBytesField(b []byte, n protowire.Number, v []byte) []byte {
	b = protowire.AppendTag(b, n, protowire.BytesType)
	return append(protowire.AppendVarint(b, uint64(len(v))), v...)
}

// sizeBytesField is the encoded size of a bytes field of length l; 0 for an
// empty one, which proto3 omits (used for payload and checksum only).
func sizeBytesField(n protowire.Number, l int) int {
	if l == 0 && (n == fieldEntityPayload || n == fieldEntityChecksum) {
		return 0
	}
	return protowire.SizeTag(n) + protowire.SizeBytes(l)
}
