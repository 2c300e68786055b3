package pump

import (
	"google.golang.org/grpc/encoding"
	encproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// serverCodec is the pump's gRPC codec: gRPC's proto codec, except that a
// PullBinlogResp with a large payload is encoded around the payload instead
// of copying it into the message buffer (binlogpb.SplitPullResp): the pulled
// binlog (a merged commit, a fresh buffer; or a fake binlog as stored) is
// never modified, so the transport can write it from where it is. The
// bytes on the wire are the same.
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

func (c serverCodec) Unmarshal(data mem.BufferSlice, v any) error { return c.proto.Unmarshal(data, v) }

func (c serverCodec) Name() string { return c.proto.Name() }
