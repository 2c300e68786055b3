package pump

import (
	"bytes"
	"fmt"
	"testing"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// benchSizes are the prewrite values of pumpbench's cells.
var benchSizes = []int{1 << 10, 10 << 10, 100 << 10}

// noPoison turns off the tests' poisoning of the pool for a benchmark.
func noPoison(b *testing.B) {
	was := grpcBuffers.poison.Swap(false)
	b.Cleanup(func() { grpcBuffers.poison.Store(was) })
}

// framesOf splits a message into pooled buffers of one HTTP/2 frame
// (16 KiB) each, as gRPC receives it.
func framesOf(wire []byte) mem.BufferSlice {
	var data mem.BufferSlice
	for rest := wire; len(rest) > 0; {
		n := min(16<<10, len(rest))
		buf := grpcBuffers.Get(n)
		copy(*buf, rest[:n])
		data = append(data, mem.NewBuffer(buf, grpcBuffers))
		rest = rest[n:]
	}
	return data
}

// BenchmarkWriteReqDecode: a WriteBinlogReq received in frames, decoded
// by gRPC's proto codec (the frames joined into a pooled buffer, then the
// payload copied out: what the pump did before) and by serverCodec.
func BenchmarkWriteReqDecode(b *testing.B) {
	noPoison(b)
	for _, size := range benchSizes {
		payload := marshal(b, prewrite(41, string(bytes.Repeat([]byte{1}, size))))
		wire, err := proto.Marshal(&binlogpb.WriteBinlogReq{ClusterID: 7, Payload: payload})
		if err != nil {
			b.Fatal(err)
		}
		for _, codec := range []string{"proto", "alias"} {
			b.Run(fmt.Sprintf("%s/%dKiB", codec, size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(wire)))
				data := framesOf(wire)
				defer data.Free()
				for b.Loop() {
					data.Ref() // gRPC frees the frames after Unmarshal: this keeps them for the next op
					var r binlogpb.WriteBinlogReq
					if codec == "proto" {
						buf := data.MaterializeToBuffer(grpcBuffers)
						err = proto.Unmarshal(buf.ReadOnlyData(), &r)
						buf.Free()
					} else {
						err = newServerCodec().Unmarshal(data, &r)
					}
					data.Free()
					if err != nil || len(r.Payload) != len(payload) {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkPullEncode: a merged commit binlog encoded for the stream,
// joined by MergeCommit and marshaled (before) or from its pieces.
func BenchmarkPullEncode(b *testing.B) {
	noPoison(b)
	c := newServerCodec()
	commit := marshal(b, binlogpb.NewBinlog(binlogpb.BinlogType_Commit, 41, 42))
	for _, size := range benchSizes {
		pre := marshal(b, prewrite(41, string(bytes.Repeat([]byte{1}, size))))
		for _, how := range []string{"join", "parts"} {
			b.Run(fmt.Sprintf("%s/%dKiB", how, size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(pre)))
				var parts [][]byte
				for b.Loop() {
					var data mem.BufferSlice
					var err error
					if how == "join" {
						var merged []byte
						if merged, err = binlogpb.MergeCommit(commit, pre); err == nil {
							data, err = c.Marshal(pullResp(41, 42, merged))
						}
					} else if parts, err = binlogpb.MergeCommitParts(commit, pre, parts[:0]); err == nil {
						data, err = c.Marshal(&pullParts{resp: pullResp(41, 42, nil), parts: parts})
					}
					if err != nil {
						b.Fatal(err)
					}
					data.Free()
				}
			})
		}
	}
}
