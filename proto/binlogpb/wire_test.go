package binlogpb

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// TestWireFieldNumbersMatchDescriptor takes the field numbers and kinds
// from the message descriptor, not from a copy.
func TestWireFieldNumbersMatchDescriptor(t *testing.T) {
	fields := (&Binlog{}).ProtoReflect().Descriptor().Fields()
	require.Equal(t, int(fieldDdlSchemaState), fields.Len(), "every field of Binlog is known to the wire helpers")
	for name, num := range map[protoreflect.Name]protowire.Number{
		"tp": fieldTp, "start_ts": fieldStartTs, "commit_ts": fieldCommitTs, "prewrite_key": fieldPrewriteKey,
		"prewrite_value": fieldPrewriteValue, "ddl_query": fieldDdlQuery, "ddl_job_id": fieldDdlJobID,
		"ddl_schema_state": fieldDdlSchemaState,
	} {
		fd := fields.ByName(name)
		require.NotNil(t, fd, name)
		require.Equal(t, fd.Number(), num, name)
		want := protowire.VarintType
		if fd.Kind() == protoreflect.BytesKind {
			want = protowire.BytesType
		}
		require.Equal(t, want, fieldWireType(num), name)
		require.Equal(t, fd.HasPresence() && isNonNullable(t, fd), nonNullable(num), name)
	}
}

// isNonNullable: the fields FillDefaults sets.
func isNonNullable(t *testing.T, fd protoreflect.FieldDescriptor) bool {
	var b Binlog
	b.FillDefaults()
	return b.ProtoReflect().Has(fd)
}

func wirePrewrite(start int64, value string) *Binlog {
	b := NewBinlog(BinlogType_Prewrite, start, 0)
	b.PrewriteKey = []byte("pk")
	b.PrewriteValue = []byte(value)
	return b
}

func TestPeekHeader(t *testing.T) {
	p, err := proto.Marshal(wirePrewrite(5, "v"))
	require.NoError(t, err)
	h, err := PeekHeader(p)
	require.NoError(t, err)
	require.Equal(t, Header{Tp: BinlogType_Prewrite, StartTs: 5}, h)
	require.Equal(t, h, wirePrewrite(5, "v").Header())
	require.True(t, Header{StartTs: 7, CommitTs: 7}.IsFake())
	require.True(t, Header{}.IsProbe())
	_, err = PeekHeader([]byte{0x08})
	require.ErrorIs(t, err, ErrMalformed)
}

func FuzzPeekHeader(f *testing.F) {
	for _, b := range []*Binlog{wirePrewrite(5, "v"), NewBinlog(BinlogType_Commit, 5, 6), NewBinlog(BinlogType_Rollback, 7, 7)} {
		p, err := proto.Marshal(b)
		require.NoError(f, err)
		f.Add(p)
	}
	f.Add([]byte{0x08, 0x01, 0x08, 0x07})       // tp 1, then a number BinlogType does not define
	f.Add([]byte{0x12, 0x01, 0x00, 0x18, 0x05}) // start_ts with the wrong wire type
	f.Add([]byte{0x08})                         // truncated
	f.Fuzz(func(t *testing.T, p []byte) {
		h, err := PeekHeader(p)
		var b Binlog
		if uerr := proto.Unmarshal(p, &b); uerr != nil {
			require.Error(t, err, "peek accepts what Unmarshal rejects: %v", uerr)
			return
		}
		require.NoError(t, err)
		require.Equal(t, b.Header(), h)
		require.Equal(t, b.IsProbe(), h.IsProbe())
		require.Equal(t, b.IsFake(), h.IsFake())
	})
}

// mergeByUnmarshal is what MergeCommit must be equivalent to.
func mergeByUnmarshal(commit, prewrite []byte) (*Binlog, error) {
	c, p := new(Binlog), new(Binlog)
	if err := proto.Unmarshal(commit, c); err != nil {
		return nil, err
	}
	if err := proto.Unmarshal(prewrite, p); err != nil {
		return nil, err
	}
	c.StartTs, c.PrewriteValue, c.DdlQuery = p.StartTs, p.PrewriteValue, p.DdlQuery
	c.DdlJobId, c.DdlSchemaState = p.DdlJobId, p.DdlSchemaState
	c.FillDefaults()
	return c, nil
}

func FuzzMergeCommit(f *testing.F) {
	ddl := wirePrewrite(5, "rows")
	ddl.DdlQuery, ddl.DdlJobId, ddl.DdlSchemaState = []byte("create table t (a int)"), proto.Int64(42), proto.Int32(-5)
	c := NewBinlog(BinlogType_Commit, 5, 6)
	c.PrewriteKey = []byte("pk")
	for _, pair := range [][2]*Binlog{{NewBinlog(BinlogType_Commit, 5, 6), wirePrewrite(5, "v")}, {c, ddl}, {{}, {}}} {
		cb, err := proto.Marshal(pair[0])
		require.NoError(f, err)
		pb, err := proto.Marshal(pair[1])
		require.NoError(f, err)
		f.Add(cb, pb)
	}
	f.Add([]byte{0x08, 0x01, 0x08, 0x09, 0x18, 0x06, 0xa0, 0x01, 0x07}, []byte{0x10, 0x05}) // unknown enum and field
	f.Add([]byte{0x08}, []byte{})
	f.Fuzz(func(t *testing.T, commit, prewrite []byte) {
		got, err := MergeCommit(commit, prewrite)
		parts, perr := MergeCommitParts(commit, prewrite, nil)
		want, werr := mergeByUnmarshal(commit, prewrite)
		if werr != nil {
			require.Error(t, err, "merge accepts what Unmarshal rejects: %v", werr)
			require.Error(t, perr)
			return
		}
		require.NoError(t, err)
		require.NoError(t, perr)
		require.Equal(t, got, bytes.Join(parts, nil), "the parts are the merged binlog")
		var b Binlog
		require.NoError(t, proto.Unmarshal(got, &b))
		require.True(t, proto.Equal(want, &b), "want %v, got %v", want, &b)
		if canonical(commit) && canonical(prewrite) {
			wantBytes, err := proto.Marshal(want)
			require.NoError(t, err)
			require.Equal(t, wantBytes, got, "well-formed input gives the bytes of Marshal")
		}
	})
}

// canonical reports whether p is exactly what Marshal writes for it.
func canonical(p []byte) bool {
	var b Binlog
	if proto.Unmarshal(p, &b) != nil {
		return false
	}
	again, err := proto.Marshal(&b)
	return err == nil && bytes.Equal(again, p)
}
