//go:build tipbcompat

// These tests link the original generated types (github.com/pingcap/tipb
// go-binlog), which register the same protobuf names as this package. Run
// them with GOLANG_PROTOBUF_REGISTRATION_CONFLICT=warn and -tags tipbcompat
// (`make test` does).

package binlogpb

import (
	"encoding/hex"
	"testing"

	tipb "github.com/pingcap/tipb/go-binlog"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// gogoMessage is the subset of the gogoproto generated API used here.
type gogoMessage interface {
	Marshal() ([]byte, error)
	Unmarshal([]byte) error
}

// crossCheck encodes ours, decodes it with the original type, re-encodes
// that and decodes it back into a fresh message of ours: nothing may change.
// It also checks the reverse direction starting from the original's bytes.
func crossCheck(t *testing.T, ours proto.Message, theirs gogoMessage) {
	t.Helper()
	b, err := proto.Marshal(ours)
	require.NoError(t, err)
	require.NoError(t, theirs.Unmarshal(b))
	b2, err := theirs.Marshal()
	require.NoError(t, err)
	back := ours.ProtoReflect().New().Interface()
	require.NoError(t, proto.Unmarshal(b2, back))
	require.True(t, proto.Equal(ours, back), "ours -> original -> ours changed the message:\n%v\n%v", ours, back)
}

func TestCrossEncodeBinlogMessages(t *testing.T) {
	tm := &TableMutation{
		TableId:      proto.Int64(86),
		InsertedRows: [][]byte{{8, 2}, {8, 4}},
		UpdatedRows:  [][]byte{{1, 2, 3}},
		DeletedIds:   []int64{7, -9},
		DeletedPks:   [][]byte{{9}},
		DeletedRows:  [][]byte{{4, 5}},
		Sequence:     []MutationType{MutationType_Insert, MutationType_Update, MutationType_DeleteRow, MutationType_DeleteID, MutationType_DeletePK},
	}
	crossCheck(t, tm, &tipb.TableMutation{})
	pv := &PrewriteValue{SchemaVersion: proto.Int64(47), Mutations: []*TableMutation{tm, {TableId: proto.Int64(1)}}}
	crossCheck(t, pv, &tipb.PrewriteValue{})
	pvBytes, err := proto.Marshal(pv)
	require.NoError(t, err)
	for _, tp := range []BinlogType{BinlogType_Prewrite, BinlogType_Commit, BinlogType_Rollback, BinlogType_PreDDL, BinlogType_PostDDL} {
		b := NewBinlog(tp, 440000000000000001, 440000000000000002)
		b.PrewriteKey = []byte("t\x80\x00\x00_r")
		b.PrewriteValue = pvBytes
		b.DdlQuery = []byte("CREATE TABLE t (id int)")
		b.DdlJobId = proto.Int64(123)
		b.DdlSchemaState = proto.Int32(5)
		crossCheck(t, b, &tipb.Binlog{})
	}
}

func TestCrossEncodeServiceMessages(t *testing.T) {
	crossCheck(t, &WriteBinlogReq{ClusterID: 6789012345678901234, Payload: []byte{1, 2, 3}}, &tipb.WriteBinlogReq{})
	crossCheck(t, &WriteBinlogResp{Errmsg: "no online: paused"}, &tipb.WriteBinlogResp{})
	crossCheck(t, &PullBinlogReq{ClusterID: 1, StartFrom: &Pos{Suffix: 3, Offset: 440000000000000002}}, &tipb.PullBinlogReq{})
	crossCheck(t, &Pos{Suffix: 1, Offset: -1}, &tipb.Pos{})
	crossCheck(t, &Meta{StartTs: 5, CommitTs: 6}, &tipb.Meta{})
	entity := &Entity{Pos: &Pos{Offset: 6}, Payload: []byte("x"), Checksum: []byte{1}, Meta: &Meta{StartTs: 5, CommitTs: 6}}
	crossCheck(t, entity, &tipb.Entity{})
	crossCheck(t, &PullBinlogResp{Entity: entity}, &tipb.PullBinlogResp{})
	crossCheck(t, &DumpBinlogReq{BeginCommitTS: 9}, &tipb.DumpBinlogReq{})
	crossCheck(t, &DumpBinlogResp{CommitTS: 9, Payload: []byte("p"), Ddljob: []byte("{}")}, &tipb.DumpBinlogResp{})
	crossCheck(t, &DumpDDLJobsReq{BeginCommitTS: 9}, &tipb.DumpDDLJobsReq{})
	crossCheck(t, &DumpDDLJobsResp{Ddljobs: [][]byte{[]byte("{}"), []byte("[]")}}, &tipb.DumpDDLJobsResp{})
	crossCheck(t, &NotifyReq{}, &tipb.NotifyReq{})
	crossCheck(t, &NotifyResp{}, &tipb.NotifyResp{})
}

// TestOriginalToOurs starts from messages built and marshaled by the original
// code and checks that every field arrives, and that our encoding of the
// decoded message is byte-identical to the original's.
func TestOriginalToOurs(t *testing.T) {
	theirs := tipb.Binlog{Tp: tipb.BinlogType_Commit, StartTs: 11, CommitTs: 12, PrewriteKey: []byte("k"),
		PrewriteValue: []byte("v"), DdlQuery: []byte("q"), DdlJobId: 13, DdlSchemaState: 4}
	b, err := theirs.Marshal()
	require.NoError(t, err)
	var ours Binlog
	require.NoError(t, proto.Unmarshal(b, &ours))
	require.Equal(t, BinlogType_Commit, ours.GetTp())
	require.Equal(t, int64(11), ours.GetStartTs())
	require.Equal(t, int64(12), ours.GetCommitTs())
	require.Equal(t, []byte("k"), ours.GetPrewriteKey())
	require.Equal(t, []byte("v"), ours.GetPrewriteValue())
	require.Equal(t, []byte("q"), ours.GetDdlQuery())
	require.Equal(t, int64(13), ours.GetDdlJobId())
	require.Equal(t, int32(4), ours.GetDdlSchemaState())
	again, err := proto.Marshal(&ours)
	require.NoError(t, err)
	require.Equal(t, hex.EncodeToString(b), hex.EncodeToString(again))

	req := tipb.PullBinlogReq{ClusterID: 7} // gogo writes the non-nullable empty Pos
	rb, err := req.Marshal()
	require.NoError(t, err)
	var ourReq PullBinlogReq
	require.NoError(t, proto.Unmarshal(rb, &ourReq))
	require.Equal(t, uint64(7), ourReq.GetClusterID())
	require.Equal(t, int64(0), ourReq.GetStartFrom().GetOffset())

	tm := tipb.TableMutation{TableId: 3, Sequence: []tipb.MutationType{tipb.MutationType_Insert, tipb.MutationType_DeleteRow}}
	mb, err := tm.Marshal()
	require.NoError(t, err)
	ourTM := &TableMutation{TableId: proto.Int64(3), Sequence: []MutationType{MutationType_Insert, MutationType_DeleteRow}}
	ob, err := proto.Marshal(ourTM)
	require.NoError(t, err)
	require.Equal(t, hex.EncodeToString(mb), hex.EncodeToString(ob), "sequence must be unpacked like the original")
}

// TestPackedSequenceAccepted: a writer that packs the repeated enum (proto3
// style) must still be understood.
func TestPackedSequenceAccepted(t *testing.T) {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 9)
	b = protowire.AppendTag(b, 7, protowire.BytesType)
	b = protowire.AppendBytes(b, []byte{0, 1, 4})
	var ours TableMutation
	require.NoError(t, proto.Unmarshal(b, &ours))
	require.Equal(t, []MutationType{MutationType_Insert, MutationType_Update, MutationType_DeleteRow}, ours.GetSequence())
	var theirs tipb.TableMutation
	require.NoError(t, theirs.Unmarshal(b))
	require.Len(t, theirs.Sequence, 3)
}
