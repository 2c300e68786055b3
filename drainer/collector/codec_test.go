package collector

import (
	"testing"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// frames splits p into a BufferSlice of n-byte buffers, as gRPC hands a
// message to a codec.
func frames(p []byte, n int) mem.BufferSlice {
	var s mem.BufferSlice
	for len(p) > 0 {
		k := min(n, len(p))
		s = append(s, mem.SliceBuffer(append([]byte(nil), p[:k]...)))
		p = p[k:]
	}
	return s
}

func TestPullCodecMatchesProto(t *testing.T) {
	b := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, 9, 10)
	b.PrewriteValue = []byte("the prewrite value")
	b.PrewriteKey = []byte("k")
	payload, err := proto.Marshal(b)
	require.NoError(t, err)
	resps := []*binlogpb.PullBinlogResp{
		{},
		{Entity: &binlogpb.Entity{}},
		{Entity: &binlogpb.Entity{Pos: &binlogpb.Pos{Offset: 10, Suffix: 2}, Payload: payload,
			Checksum: []byte{1, 2}, Meta: &binlogpb.Meta{StartTs: 9, CommitTs: 10}}},
	}
	for _, r := range resps {
		wire, err := proto.Marshal(r)
		require.NoError(t, err)
		for _, split := range []int{1, 3, 1 << 20} {
			got := new(binlogpb.PullBinlogResp)
			require.NoError(t, pullCodec{}.Unmarshal(frames(wire, split), got))
			require.True(t, proto.Equal(r, got), "want %v got %v", r, got)
		}
	}
	// An entity sent twice (merged by the proto rules) and an unknown field
	// take the generic decoder.
	wire, err := proto.Marshal(resps[2])
	require.NoError(t, err)
	twice := append(append([]byte(nil), wire...), wire...)
	want := new(binlogpb.PullBinlogResp)
	require.NoError(t, proto.Unmarshal(twice, want))
	got := new(binlogpb.PullBinlogResp)
	require.NoError(t, pullCodec{}.Unmarshal(frames(twice, 7), got))
	require.True(t, proto.Equal(want, got))
	unknown := protowire.AppendVarint(protowire.AppendTag(append([]byte(nil), wire...), 9, protowire.VarintType), 5)
	want = new(binlogpb.PullBinlogResp)
	require.NoError(t, proto.Unmarshal(unknown, want))
	require.NoError(t, pullCodec{}.Unmarshal(frames(unknown, 7), got))
	require.True(t, proto.Equal(want, got))
	require.Error(t, pullCodec{}.Unmarshal(frames(wire[:len(wire)-1], 7), got), "truncated")
}

func TestDecodeBinlogAliasesPrewriteValue(t *testing.T) {
	b := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, 9, 10)
	b.PrewriteValue = []byte("value")
	b.DdlQuery = []byte("q")
	payload, err := proto.Marshal(b)
	require.NoError(t, err)
	got := new(binlogpb.Binlog)
	require.NoError(t, decodeBinlog(payload, got))
	require.True(t, proto.Equal(b, got))
	copy(got.PrewriteValue, "VALUE")
	require.Contains(t, string(payload), "VALUE", "the value shares the payload's bytes")

	// No prewrite value, and a truncated payload.
	empty, err := proto.Marshal(binlogpb.NewBinlog(binlogpb.BinlogType_Commit, 1, 2))
	require.NoError(t, err)
	got = new(binlogpb.Binlog)
	require.NoError(t, decodeBinlog(empty, got))
	require.Nil(t, got.PrewriteValue)
	require.EqualValues(t, 2, got.GetCommitTs())
	require.Error(t, decodeBinlog(payload[:len(payload)-3], new(binlogpb.Binlog)))
}

func TestMaterializeLetsFramesGo(t *testing.T) {
	s := frames([]byte("abcdefgh"), 3)
	require.Equal(t, "abcdefgh", string(materialize(s)))
	for _, b := range s {
		require.Zero(t, b.Len(), "every frame was replaced by an empty buffer")
	}
	s.Free() // what gRPC does next: must not panic
}

// TestDecodeBinlogMergesFieldsAroundTheValue: fields before and after the
// prewrite value (a scalar repeated after it, an unknown field) decode as
// proto.Unmarshal decodes the whole payload.
func TestDecodeBinlogMergesFieldsAroundTheValue(t *testing.T) {
	first := binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, 9, 10)
	first.PrewriteValue = []byte("value")
	a, err := proto.Marshal(first)
	require.NoError(t, err)
	second := binlogpb.NewBinlog(binlogpb.BinlogType_Commit, 9, 11)
	second.DdlQuery = []byte("q")
	bs, err := proto.Marshal(second)
	require.NoError(t, err)
	payload := protowire.AppendVarint(protowire.AppendTag(append(a, bs...), 99, protowire.VarintType), 5)

	want := new(binlogpb.Binlog)
	require.NoError(t, proto.Unmarshal(payload, want))
	got := new(binlogpb.Binlog)
	require.NoError(t, decodeBinlog(payload, got))
	require.True(t, proto.Equal(want, got))
	require.EqualValues(t, 11, got.GetCommitTs(), "the later commit ts wins")
	require.Equal(t, "value", string(got.GetPrewriteValue()))
	require.Equal(t, want.ProtoReflect().GetUnknown(), got.ProtoReflect().GetUnknown())
}
