package binlogpb

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

func TestWriteBinlogReqFieldNumbersMatchDescriptor(t *testing.T) {
	fields := (&WriteBinlogReq{}).ProtoReflect().Descriptor().Fields()
	require.Equal(t, 2, fields.Len(), "every field of WriteBinlogReq is known to the decoder")
	require.Equal(t, fieldReqClusterID, fields.ByName("clusterID").Number())
	require.Equal(t, fieldReqPayload, fields.ByName("payload").Number())
}

func TestUnmarshalWriteBinlogReqAliasesPayload(t *testing.T) {
	payload := bytes.Repeat([]byte{7}, 100<<10)
	b, err := proto.Marshal(&WriteBinlogReq{ClusterID: 42, Payload: payload})
	require.NoError(t, err)
	var r WriteBinlogReq
	require.NoError(t, UnmarshalWriteBinlogReqAlias(b, &r))
	require.Equal(t, uint64(42), r.GetClusterID())
	require.Equal(t, payload, r.GetPayload())
	require.Same(t, &b[len(b)-len(payload)], &r.Payload[0], "the payload is not copied")
	require.Equal(t, len(payload), cap(r.Payload), "an append to the payload cannot write into b")
}

func FuzzUnmarshalWriteBinlogReqAlias(f *testing.F) {
	for _, r := range []*WriteBinlogReq{{}, {ClusterID: 1, Payload: []byte("binlog")}, {Payload: []byte{0}}} {
		b, err := proto.Marshal(r)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte{0x08, 0x01, 0x08, 0x02, 0x12, 0x01, 0x61, 0x12, 0x00}) // repeated fields: the last wins
	f.Add([]byte{0x0a, 0x01, 0x61, 0x10, 0x05, 0x1a, 0x00})             // wrong wire types, unknown field
	f.Add([]byte{0x12, 0x05, 0x61})                                     // truncated
	f.Add(protowire.AppendTag(nil, protowire.MaxValidNumber+1, protowire.VarintType))
	f.Fuzz(func(t *testing.T, b []byte) {
		var got, want WriteBinlogReq
		err := UnmarshalWriteBinlogReqAlias(b, &got)
		if werr := proto.Unmarshal(b, &want); werr != nil {
			require.Error(t, err, "the decoder accepts what Unmarshal rejects: %v", werr)
			return
		}
		require.NoError(t, err)
		require.True(t, proto.Equal(&want, &got), "want %v, got %v", &want, &got)
		require.Equal(t, want.Payload == nil, got.Payload == nil)
		require.Equal(t, want.ProtoReflect().GetUnknown(), got.ProtoReflect().GetUnknown())
		again := new(WriteBinlogReq)
		require.NoError(t, UnmarshalWriteBinlogReqAlias(b, again), "a reused message is reset")
		require.NoError(t, UnmarshalWriteBinlogReqAlias(b, again))
		require.True(t, proto.Equal(&want, again))
	})
}
