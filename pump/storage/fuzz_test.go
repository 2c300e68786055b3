package storage

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

func FuzzDecodeRecord(f *testing.F) {
	f.Add(appendRecord(nil, []byte("hello")))
	f.Add(appendRecord(nil, nil))
	f.Add(appendRecord(nil, []byte("x"))[:10])
	bad := appendRecord(nil, []byte("checksum"))
	bad[len(bad)-1] ^= 1
	f.Add(bad)
	f.Add([]byte{0xe8, 0x56, 0x3a, 0x82, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		payload, n, err := decodeRecord(b)
		if err != nil {
			require.True(t, isDecodeError(err))
			return
		}
		require.Equal(t, b[:n], appendRecord(nil, payload), "re-encoding gives the same bytes")
	})
}

func FuzzScanRecords(f *testing.F) {
	two := appendRecord(appendRecord(nil, []byte("a")), []byte("bb"))
	f.Add(two)
	f.Add(append(append([]byte("junk"), two...), 0xe8, 0x56))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := scanRecords(bytes.NewReader(b), "fuzz", 0, 0, int64(len(b)),
			func(p valuePointer, payload []byte) error {
				got, _, err := decodeRecord(b[p.offset:])
				require.NoError(t, err)
				require.Equal(t, got, payload)
				return nil
			}, func(*CorruptionError) {})
		require.NoError(t, err)
		require.LessOrEqual(t, res.validEnd, int64(len(b)))
	})
}

func FuzzPeekBinlog(f *testing.F) {
	for _, b := range []*binlogpb.Binlog{prewrite(5, "v"), commitOf(5, 6), fake(7)} {
		p, err := proto.Marshal(b)
		require.NoError(f, err)
		f.Add(p)
	}
	f.Add([]byte{0x08, 0x01, 0x08, 0x07})       // tp 1, then a number BinlogType does not define
	f.Add([]byte{0x12, 0x01, 0x00, 0x18, 0x05}) // start_ts with the wrong wire type
	f.Add([]byte{0x08})                         // truncated
	f.Fuzz(func(t *testing.T, p []byte) {
		tp, start, commit, err := peekBinlog(p)
		var b binlogpb.Binlog
		if uerr := proto.Unmarshal(p, &b); uerr != nil {
			require.Error(t, err, "peek accepts what Unmarshal rejects: %v", uerr)
			return
		}
		require.NoError(t, err)
		require.Equal(t, b.GetTp(), tp)
		require.Equal(t, b.GetStartTs(), start)
		require.Equal(t, b.GetCommitTs(), commit)
		h, err := PeekBinlog(p)
		require.NoError(t, err)
		require.Equal(t, b.IsProbe(), h.IsProbe())
		require.Equal(t, b.IsFake(), h.IsFake())
	})
}

// mergeByUnmarshal is what mergeCommit must be equivalent to.
func mergeByUnmarshal(commit, prewrite []byte) (*binlogpb.Binlog, error) {
	c, p := new(binlogpb.Binlog), new(binlogpb.Binlog)
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
	ddl := prewrite(5, "rows")
	ddl.DdlQuery, ddl.DdlJobId, ddl.DdlSchemaState = []byte("create table t (a int)"), proto.Int64(42), proto.Int32(-5)
	c := commitOf(5, 6)
	c.PrewriteKey = []byte("pk")
	for _, pair := range [][2]*binlogpb.Binlog{{commitOf(5, 6), prewrite(5, "v")}, {c, ddl}, {{}, {}}} {
		cb, err := proto.Marshal(pair[0])
		require.NoError(f, err)
		pb, err := proto.Marshal(pair[1])
		require.NoError(f, err)
		f.Add(cb, pb)
	}
	f.Add([]byte{0x08, 0x01, 0x08, 0x09, 0x18, 0x06, 0xa0, 0x01, 0x07}, []byte{0x10, 0x05}) // unknown enum and field
	f.Add([]byte{0x08}, []byte{})
	f.Fuzz(func(t *testing.T, commit, prewrite []byte) {
		got, err := mergeCommit(commit, prewrite)
		want, werr := mergeByUnmarshal(commit, prewrite)
		if werr != nil {
			require.Error(t, err, "merge accepts what Unmarshal rejects: %v", werr)
			return
		}
		require.NoError(t, err)
		var b binlogpb.Binlog
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
	var b binlogpb.Binlog
	if proto.Unmarshal(p, &b) != nil {
		return false
	}
	again, err := proto.Marshal(&b)
	return err == nil && bytes.Equal(again, p)
}
