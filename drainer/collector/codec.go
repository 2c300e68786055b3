package collector

import (
	"errors"
	"fmt"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// errNotSimple makes a decoder fall back to proto.Unmarshal: the message
// has a shape the aliasing decoder does not handle (a repeated or unknown
// field), which the generic decoder merges as the proto rules say.
var errNotSimple = errors.New("not a simple encoding")

// pullCodec is the gRPC codec of the pull streams. A PullBinlogResp is
// decoded from one contiguous copy of the received frames, its payload
// aliasing that copy instead of being copied again: a big binlog is held
// about once, not three times, while it is received (each frame is let go
// as soon as it is copied).
type pullCodec struct{}

var _ encoding.CodecV2 = pullCodec{}

// Name is empty so that the content type stays "application/grpc", as with
// the default codec: the pump's listener routes gRPC on that exact header.
func (pullCodec) Name() string { return "" }

func (pullCodec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("pull codec: cannot marshal %T", v)
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, err
	}
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}

func (pullCodec) Unmarshal(data mem.BufferSlice, v any) error {
	buf := materialize(data)
	if r, ok := v.(*binlogpb.PullBinlogResp); ok {
		return decodePullResp(buf, r)
	}
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("pull codec: cannot unmarshal into %T", v)
	}
	return proto.Unmarshal(buf, m)
}

// materialize copies data into one new slice, freeing each frame as soon
// as it is copied and putting an empty buffer in its place (gRPC frees data
// again after Unmarshal; freeing an empty slice buffer does nothing): with
// unpooled frames, a big message is held about once while it is copied,
// not twice.
func materialize(data mem.BufferSlice) []byte {
	out := make([]byte, data.Len())
	off := 0
	for i, b := range data {
		off += copy(out[off:], b.ReadOnlyData())
		b.Free()
		data[i] = mem.SliceBuffer(nil)
	}
	return out
}

// pullCallOption makes a call use pullCodec.
func pullCallOption() grpc.CallOption { return grpc.ForceCodecV2(pullCodec{}) }

// decodePullResp decodes buf into r, whose entity's payload and checksum
// alias buf.
func decodePullResp(buf []byte, r *binlogpb.PullBinlogResp) error {
	proto.Reset(r)
	if ent, err := aliasEntity(buf); err == nil {
		r.Entity = ent
		return nil
	} else if !errors.Is(err, errNotSimple) {
		return err
	}
	return proto.Unmarshal(buf, r)
}

// aliasEntity decodes a PullBinlogResp made of one entity field.
func aliasEntity(buf []byte) (*binlogpb.Entity, error) {
	var ent *binlogpb.Entity
	for len(buf) > 0 {
		num, typ, n := protowire.ConsumeTag(buf)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		if num != binlogpb.FieldPullRespEntity || typ != protowire.BytesType || ent != nil {
			return nil, errNotSimple
		}
		v, m := protowire.ConsumeBytes(buf[n:])
		if m < 0 {
			return nil, protowire.ParseError(m)
		}
		ent = new(binlogpb.Entity)
		if err := decodeEntity(v, ent); err != nil {
			return nil, err
		}
		buf = buf[n+m:]
	}
	return ent, nil
}

// decodeEntity decodes an Entity whose fields each appear at most once.
func decodeEntity(buf []byte, e *binlogpb.Entity) error {
	seen := map[protowire.Number]bool{}
	for len(buf) > 0 {
		num, typ, n := protowire.ConsumeTag(buf)
		if n < 0 {
			return protowire.ParseError(n)
		}
		if typ != protowire.BytesType || seen[num] {
			return errNotSimple
		}
		seen[num] = true
		v, m := protowire.ConsumeBytes(buf[n:])
		if m < 0 {
			return protowire.ParseError(m)
		}
		buf = buf[n+m:]
		var err error
		switch num {
		case binlogpb.FieldEntityPos:
			e.Pos = new(binlogpb.Pos)
			err = proto.Unmarshal(v, e.Pos)
		case binlogpb.FieldEntityPayload:
			e.Payload = v[:len(v):len(v)]
		case binlogpb.FieldEntityChecksum:
			e.Checksum = v[:len(v):len(v)]
		case binlogpb.FieldEntityMeta:
			e.Meta = new(binlogpb.Meta)
			err = proto.Unmarshal(v, e.Meta)
		default:
			return errNotSimple
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// decodeBinlog decodes a pulled payload into b, whose prewrite value
// aliases payload (the other fields, small, are copied): the payload is
// kept alive by the prewrite value alone, until the syncer decoded it. The
// fields before and after the prewrite value are decoded in place, the
// second run merged into the first (what decoding them concatenated does),
// rather than first copied out together.
func decodeBinlog(payload []byte, b *binlogpb.Binlog) error {
	var value []byte
	start, end := -1, -1 // the prewrite value field's span in payload
	for off := 0; off < len(payload); {
		p := payload[off:]
		num, typ, n := protowire.ConsumeTag(p)
		if n < 0 {
			return protowire.ParseError(n)
		}
		m := protowire.ConsumeFieldValue(num, typ, p[n:])
		if m < 0 {
			return protowire.ParseError(m)
		}
		if num == binlogpb.FieldBinlogPrewriteValue && typ == protowire.BytesType {
			if start >= 0 { // repeated: let the generic decoder keep the last
				return proto.Unmarshal(payload, b)
			}
			start, end = off, off+n+m
			value, _ = protowire.ConsumeBytes(p[n:])
		}
		off += n + m
	}
	if start < 0 {
		return proto.Unmarshal(payload, b)
	}
	if err := proto.Unmarshal(payload[:start], b); err != nil {
		return err
	}
	if end < len(payload) {
		if err := (proto.UnmarshalOptions{Merge: true}).Unmarshal(payload[end:], b); err != nil {
			return err
		}
	}
	b.PrewriteValue = value[:len(value):len(value)]
	return nil
}
