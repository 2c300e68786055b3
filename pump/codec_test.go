package pump

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

func TestServerCodecSendsPayloadInPlace(t *testing.T) {
	c := newServerCodec()
	payload := bytes.Repeat([]byte{5}, splitPayload)
	r := pullResp(41, 42, payload)
	data, err := c.Marshal(r)
	require.NoError(t, err)
	want, err := proto.Marshal(r)
	require.NoError(t, err)
	require.Equal(t, want, data.Materialize(), "the same bytes as the proto codec")
	require.Len(t, data, 3)
	require.Same(t, &payload[0], &data[1].ReadOnlyData()[0], "the payload is not copied")

	// A small payload, and other messages, go through the proto codec.
	small := pullResp(41, 42, []byte("small"))
	data, err = c.Marshal(small)
	require.NoError(t, err)
	want, err = proto.Marshal(small)
	require.NoError(t, err)
	require.Equal(t, want, data.Materialize())

	req := &binlogpb.WriteBinlogReq{ClusterID: 7, Payload: []byte("x")}
	data, err = c.Marshal(req)
	require.NoError(t, err)
	want, err = proto.Marshal(req)
	require.NoError(t, err)
	require.Equal(t, want, data.Materialize())
	var back binlogpb.WriteBinlogReq
	require.NoError(t, c.Unmarshal(data, &back))
	require.True(t, proto.Equal(req, &back))
}

// A drainer with compressor = gzip: the split response compresses like any.
func TestPullGzip(t *testing.T) {
	c := newCluster(t)
	s := startPump(t, c.config(t, dataDir(t), "pump-1"))
	cli := dial(t, s.Addr())
	var commits []int64
	var values []string
	for _, size := range []int{2 * splitPayload, 100} { // sent in pieces, and in one pooled buffer
		start := nextTS(t, s)
		value := string(bytes.Repeat([]byte("v"), size))
		require.NoError(t, write(t, cli, s.ClusterID(), prewrite(start, value)))
		commit := nextTS(t, s)
		require.NoError(t, write(t, cli, s.ClusterID(), binlogpb.NewBinlog(binlogpb.BinlogType_Commit, start, commit)))
		commits, values = append(commits, commit), append(values, value)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := cli.PullBinlogs(ctx, &binlogpb.PullBinlogReq{ClusterID: s.ClusterID(), StartFrom: &binlogpb.Pos{}},
		grpc.UseCompressor(gzip.Name))
	require.NoError(t, err)
	for i, commit := range commits {
		resp, err := stream.Recv()
		require.NoError(t, err)
		require.Equal(t, commit, resp.GetEntity().GetMeta().GetCommitTs())
		b := new(binlogpb.Binlog)
		require.NoError(t, proto.Unmarshal(resp.GetEntity().GetPayload(), b))
		require.Equal(t, values[i], string(b.GetPrewriteValue()))
	}
}

// A merged commit binlog sent in pieces has the bytes of the joined one;
// a large piece is written from where it is.
func TestServerCodecSendsMergedPieces(t *testing.T) {
	c := newServerCodec()
	for _, size := range []int{0, 10, splitPayload - 100, splitPayload, 100 << 10} {
		value := bytes.Repeat([]byte{9}, size)
		pre := prewrite(41, string(value))
		pre.DdlQuery = []byte("create table t (a int)")
		commit := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, 41, 42)
		cp, pp := marshal(t, commit), marshal(t, pre)
		parts, err := binlogpb.MergeCommitParts(cp, pp, nil)
		require.NoError(t, err)
		data, err := c.Marshal(&pullParts{resp: pullResp(41, 42, nil), parts: parts})
		require.NoError(t, err)
		merged, err := binlogpb.MergeCommit(cp, pp)
		require.NoError(t, err)
		want, err := proto.Marshal(pullResp(41, 42, merged))
		require.NoError(t, err)
		require.Equal(t, want, data.Materialize(), "size %d: the bytes of the joined binlog", size)
		if size >= splitPayload {
			at := bytes.Index(pp, value)
			found := false
			for _, b := range data {
				found = found || len(b.ReadOnlyData()) > 0 && &b.ReadOnlyData()[len(b.ReadOnlyData())-1] == &pp[at+size-1]
			}
			require.True(t, found, "size %d: the prewrite value is not copied", size)
		}
		data.Free()
	}
}

// unmarshalWriteReq: the payload of a request received in several pooled
// frames survives the frames going back to the (poisoning) pool.
func TestWriteReqPayloadOutlivesFrames(t *testing.T) {
	require.True(t, grpcBuffers.poison.Load(), "TestMain poisons the pool")
	payload := bytes.Repeat([]byte("0123456789abcdef"), 100<<10/16)
	req := &binlogpb.WriteBinlogReq{ClusterID: 7, Payload: payload}
	wire, err := proto.Marshal(req)
	require.NoError(t, err)
	for _, frame := range []int{len(wire), 16 << 10, 1000} {
		var data mem.BufferSlice
		for rest := wire; len(rest) > 0; {
			n := min(frame, len(rest))
			b := grpcBuffers.Get(n)
			copy(*b, rest[:n])
			data = append(data, mem.NewBuffer(b, grpcBuffers))
			rest = rest[n:]
		}
		var got binlogpb.WriteBinlogReq
		require.NoError(t, newServerCodec().Unmarshal(data, &got))
		data.Free() // as gRPC does once Unmarshal returns: the frames are poisoned
		require.Equal(t, uint64(7), got.GetClusterID())
		require.True(t, bytes.Equal(payload, got.GetPayload()), "frames of %d bytes: payload changed", frame)
	}
	var bad binlogpb.WriteBinlogReq
	require.Error(t, newServerCodec().Unmarshal(mem.BufferSlice{mem.SliceBuffer([]byte{0x12, 0x05})}, &bad))
}
