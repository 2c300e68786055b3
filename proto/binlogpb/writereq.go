package binlogpb

import (
	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers of WriteBinlogReq (pump.proto); writereq_test.go checks
// them against the message descriptor.
const (
	fieldReqClusterID protowire.Number = 1
	fieldReqPayload   protowire.Number = 2
)

// UnmarshalWriteBinlogReqAlias decodes b into r as proto.Unmarshal does
// (r is reset first; the last occurrence of a field wins; a field with an
// unexpected wire type, or an unknown number, is kept as an unknown field;
// it fails where proto.Unmarshal fails), except that r.Payload and the
// unknown fields alias b instead of being copied. The caller must own b:
// nothing may modify it, or hand it out again (a buffer pool), while r's
// payload is in use.
func UnmarshalWriteBinlogReqAlias(b []byte, r *WriteBinlogReq) error {
	r.Reset()
	for len(b) > 0 {
		num, typ, n := consumeTag(b)
		if n < 0 {
			return ErrMalformed
		}
		switch {
		case num == fieldReqClusterID && typ == protowire.VarintType:
			v, m := protowire.ConsumeVarint(b[n:])
			if m < 0 {
				return ErrMalformed
			}
			r.ClusterID = v
			b = b[n+m:]
			continue
		case num == fieldReqPayload && typ == protowire.BytesType:
			v, m := protowire.ConsumeBytes(b[n:])
			if m < 0 {
				return ErrMalformed
			}
			r.Payload = nil // as proto.Unmarshal: an empty proto3 bytes field is nil
			if len(v) > 0 {
				r.Payload = v[:len(v):len(v)]
			}
			b = b[n+m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return ErrMalformed
		}
		// as proto.Unmarshal: the tag re-encoded (minimal), the value as is
		r.unknownFields = append(protowire.AppendTag(r.unknownFields, num, typ), b[n:n+m]...)
		b = b[n+m:]
	}
	return nil
}
