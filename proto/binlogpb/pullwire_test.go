package binlogpb

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// TestPullFieldNumbersMatchDescriptor takes the field numbers of the pull
// stream's messages from their descriptors, so that the hand-written
// encoder here and the drainer's decoder cannot drift from pump.proto.
func TestPullFieldNumbersMatchDescriptor(t *testing.T) {
	for _, c := range []struct {
		msg    protoreflect.ProtoMessage
		fields map[protoreflect.Name]protowire.Number
	}{
		{&PullBinlogResp{}, map[protoreflect.Name]protowire.Number{"entity": FieldPullRespEntity}},
		{&Entity{}, map[protoreflect.Name]protowire.Number{"pos": FieldEntityPos, "payload": FieldEntityPayload,
			"checksum": FieldEntityChecksum, "meta": FieldEntityMeta}},
		{&Pos{}, map[protoreflect.Name]protowire.Number{"suffix": fieldPosSuffix, "offset": fieldPosOffset}},
		{&Meta{}, map[protoreflect.Name]protowire.Number{"startTs": fieldMetaStartTs, "commitTs": fieldMetaCommitTs}},
		{&Binlog{}, map[protoreflect.Name]protowire.Number{"prewrite_value": FieldBinlogPrewriteValue}},
	} {
		desc := c.msg.ProtoReflect().Descriptor()
		if desc.Name() != "Binlog" {
			require.Equal(t, len(c.fields), desc.Fields().Len(), "every field of %s is known to the wire helpers", desc.Name())
		}
		for name, num := range c.fields {
			fd := desc.Fields().ByName(name)
			require.NotNil(t, fd, "%s.%s", desc.Name(), name)
			require.Equal(t, fd.Number(), num, "%s.%s", desc.Name(), name)
		}
	}
}

func TestSplitPullRespMatchesMarshal(t *testing.T) {
	big := bytes.Repeat([]byte{7}, 100<<10)
	cases := []*PullBinlogResp{
		{},
		{Entity: &Entity{}},
		{Entity: &Entity{Pos: &Pos{}, Meta: &Meta{}}},
		{Entity: &Entity{Pos: &Pos{Offset: 451_000_000_000_000_123}, Payload: []byte("payload"),
			Meta: &Meta{StartTs: 451_000_000_000_000_100, CommitTs: 451_000_000_000_000_123}}},
		{Entity: &Entity{Pos: &Pos{Suffix: 3, Offset: -1}, Payload: big, Checksum: []byte{1, 2},
			Meta: &Meta{StartTs: -5, CommitTs: 1}}},
		{Entity: &Entity{Payload: []byte{0}, Meta: &Meta{CommitTs: 9}}},
		{Entity: &Entity{Pos: &Pos{Offset: 1}, Checksum: []byte{9}}},
	}
	for i, r := range cases {
		want, err := proto.MarshalOptions{Deterministic: true}.Marshal(r)
		require.NoError(t, err)
		head, payload, tail, ok := SplitPullResp(r, make([]byte, 0, 64))
		require.True(t, ok, "case %d", i)
		got := append(append(append([]byte{}, head...), payload...), tail...)
		require.Equal(t, want, got, "case %d", i)
		if len(r.GetEntity().GetPayload()) > 0 {
			require.Same(t, &r.Entity.Payload[0], &payload[0], "case %d: the payload is not copied", i)
		}
		if e := r.GetEntity(); e != nil { // the same with the payload held elsewhere
			held := proto.Clone(r).(*PullBinlogResp)
			held.Entity.Payload = nil
			head, tail, ok := PullRespFrame(held, len(e.GetPayload()), nil)
			require.True(t, ok, "case %d", i)
			require.Equal(t, want, append(append(append([]byte{}, head...), e.GetPayload()...), tail...), "case %d", i)
		}
	}
}

func TestSplitPullRespRefusesUnknownFields(t *testing.T) {
	r := &PullBinlogResp{Entity: &Entity{Meta: &Meta{CommitTs: 1}}}
	r.Entity.Meta.ProtoReflect().SetUnknown([]byte{0x18, 0x01}) // field 3, varint 1
	_, _, _, ok := SplitPullResp(r, nil)
	require.False(t, ok)
	_, _, ok = PullRespFrame(r, 5, nil)
	require.False(t, ok)
	_, _, ok = PullRespFrame(&PullBinlogResp{Entity: &Entity{Payload: []byte{1}}}, 1, nil)
	require.False(t, ok, "the payload must be held elsewhere")
}
