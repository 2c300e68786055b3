package pump

import (
	"bytes"

	"google.golang.org/grpc/encoding"
	encproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// serverCodec is the pump's gRPC codec: gRPC's proto codec, except for
// three messages whose bytes on the wire are the same but which it copies
// less:
//   - a PullBinlogResp with a large payload is encoded around the payload
//     instead of copying it into the message buffer (binlogpb.SplitPullResp):
//     the pulled binlog (a fake binlog as stored) is never modified, so the
//     transport can write it from where it is;
//   - a merged commit binlog (pullParts) is encoded from its pieces, the
//     stored commit and prewrite, without joining them first;
//   - a WriteBinlogReq is decoded with its payload aliasing one copy of the
//     message (see unmarshalWriteReq) instead of two.
type serverCodec struct{ proto encoding.CodecV2 }

var _ encoding.CodecV2 = serverCodec{}

func newServerCodec() serverCodec { return serverCodec{proto: encoding.GetCodecV2(encproto.Name)} }

// splitPayload: smaller pulled payloads are marshaled as usual, as the
// copy costs less than the few more allocations of the split.
const splitPayload = 16 << 10

// pullRespFrame is room for the bytes around a pulled payload: a few tags,
// lengths and four varints.
const pullRespFrame = 96

func (c serverCodec) Marshal(v any) (mem.BufferSlice, error) {
	if m, ok := v.(*pullParts); ok {
		return c.marshalParts(m)
	}
	r, ok := v.(*binlogpb.PullBinlogResp)
	if !ok || len(r.GetEntity().GetPayload()) < splitPayload {
		return c.proto.Marshal(v)
	}
	head, payload, tail, ok := binlogpb.SplitPullResp(r, make([]byte, 0, pullRespFrame))
	if !ok {
		return c.proto.Marshal(v)
	}
	out := make(mem.BufferSlice, 0, 3)
	for _, b := range [][]byte{head, payload, tail} {
		if len(b) > 0 {
			out = append(out, mem.SliceBuffer(b))
		}
	}
	return out, nil
}

func (c serverCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if r, ok := v.(*binlogpb.WriteBinlogReq); ok && unmarshalWriteReq(data, r) == nil {
		return nil
	}
	return c.proto.Unmarshal(data, v) // and its error for a malformed message
}

func (c serverCodec) Name() string { return c.proto.Name() }

// unmarshalWriteReq decodes a WriteBinlogReq with its payload aliasing a
// copy of data. gRPC receives a message in buffers of its pool, one per
// HTTP/2 frame (16 KiB at most), and frees them once Unmarshal returns; the
// proto codec joined the frames into another pooled buffer and
// proto.Unmarshal copied the payload out of that: two copies of a 100 KiB
// binlog. Here the frames are joined once, into a slice allocated for this
// request that no pool knows (bytes.Join), and the payload aliases it. So
// the payload the storage keeps (the writer queue, the recent-records
// cache, the pull merge, the stream send) is never in a buffer that is
// given out again, which TestWritePayloadsOutlivePooledBuffers checks with
// a pool that poisons every buffer returned to it.
func unmarshalWriteReq(data mem.BufferSlice, r *binlogpb.WriteBinlogReq) error {
	var one [1][]byte
	parts := one[:0]
	if len(data) > 1 {
		parts = make([][]byte, 0, len(data))
	}
	for _, b := range data {
		parts = append(parts, b.ReadOnlyData())
	}
	return binlogpb.UnmarshalWriteBinlogReqAlias(bytes.Join(parts, nil), r)
}

// pullParts is a PullBinlogResp whose payload is held in pieces
// (storage.PulledBinlog.Parts), sent with SendMsg and encoded by
// serverCodec.
type pullParts struct {
	resp  *binlogpb.PullBinlogResp // without payload
	parts [][]byte
}

// inlinePart: smaller pieces of a large merged binlog are copied next to
// the frame; larger ones are written from where they are.
const inlinePart = 4 << 10

// marshalParts encodes m as the PullBinlogResp with the joined payload. A
// small one is copied into one pooled buffer (freed by the transport once
// written); a large one is the frame and the small pieces in their own
// buffers, and the large pieces as they are: the storage never modifies a
// stored payload.
func (c serverCodec) marshalParts(m *pullParts) (mem.BufferSlice, error) {
	n := 0
	for _, p := range m.parts {
		n += len(p)
	}
	head, tail, ok := binlogpb.PullRespFrame(m.resp, n, make([]byte, 0, pullRespFrame))
	if !ok { // not for the responses pullResp builds
		return c.marshalJoined(m)
	}
	if n < splitPayload {
		b := grpcBuffers.Get(len(head) + n + len(tail))
		w := copy(*b, head)
		for _, p := range m.parts {
			w += copy((*b)[w:], p)
		}
		copy((*b)[w:], tail)
		return mem.BufferSlice{mem.NewBuffer(b, grpcBuffers)}, nil
	}
	out := make(mem.BufferSlice, 0, 4)
	cur := head // capped: the first append copies it away from tail
	for _, p := range m.parts {
		if len(p) < inlinePart {
			cur = append(cur, p...)
			continue
		}
		if len(cur) > 0 {
			out = append(out, mem.SliceBuffer(cur))
		}
		out = append(out, mem.SliceBuffer(p))
		cur = nil
	}
	if cur = append(cur, tail...); len(cur) > 0 {
		out = append(out, mem.SliceBuffer(cur))
	}
	return out, nil
}

// marshalJoined marshals m with its pieces joined, by the proto codec.
func (c serverCodec) marshalJoined(m *pullParts) (mem.BufferSlice, error) {
	e := m.resp.GetEntity()
	if e == nil {
		return c.proto.Marshal(m.resp)
	}
	joined := &binlogpb.Entity{Pos: e.Pos, Payload: bytes.Join(m.parts, nil), Checksum: e.Checksum, Meta: e.Meta}
	return c.proto.Marshal(&binlogpb.PullBinlogResp{Entity: joined})
}
