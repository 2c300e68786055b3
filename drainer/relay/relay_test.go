package relay

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/openbinlog/tidb-binlog/pkg/binlogfile"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

func ddl(ts int64) *secondarypb.Binlog {
	return &secondarypb.Binlog{
		Type:     secondarypb.BinlogType_DDL.Enum(),
		CommitTs: proto.Int64(ts),
		DdlData: &secondarypb.DDLData{
			SchemaName: proto.String("db"), TableName: proto.String("t"),
			DdlQuery: []byte("create table t(a int) -- " + strings.Repeat("x", 100)),
		},
	}
}

func writeAll(t *testing.T, dir string, ts ...int64) []binlogfile.Pos {
	t.Helper()
	r, err := NewRelayer(dir, Options{MaxFileSize: 300})
	require.NoError(t, err)
	var pos []binlogfile.Pos
	for _, x := range ts {
		p, err := r.WriteBinlog(ddl(x))
		require.NoError(t, err)
		pos = append(pos, p)
	}
	require.NoError(t, r.Sync())
	require.NoError(t, r.Close())
	return pos
}

func replayTS(t *testing.T, dir string, from int64) ([]int64, int64, error) {
	t.Helper()
	var got []int64
	last, err := Replay(context.Background(), dir, from, nil, func(b *secondarypb.Binlog) error {
		require.Equal(t, "db", b.GetDdlData().GetSchemaName())
		got = append(got, b.GetCommitTs())
		return nil
	})
	return got, last, err
}

func TestWriteRotateReplay(t *testing.T) {
	dir := t.TempDir()
	writeAll(t, dir, 10, 20, 30, 40, 50)
	files, err := binlogfile.ReadDir(dir)
	require.NoError(t, err)
	require.Greater(t, len(files), 1, "small files rotate")

	got, last, err := replayTS(t, dir, 0)
	require.NoError(t, err)
	require.Equal(t, []int64{10, 20, 30, 40, 50}, got)
	require.EqualValues(t, 50, last)

	got, last, err = replayTS(t, dir, 30)
	require.NoError(t, err)
	require.Equal(t, []int64{40, 50}, got)
	require.EqualValues(t, 50, last)

	got, last, err = replayTS(t, dir, 60)
	require.NoError(t, err)
	require.Empty(t, got)
	require.EqualValues(t, 60, last)
}

func TestReplaySkipsRepeats(t *testing.T) {
	dir := t.TempDir()
	// A restarted drainer writes again from its checkpoint (20).
	writeAll(t, dir, 10, 20, 30)
	writeAll(t, dir, 30, 40)
	got, _, err := replayTS(t, dir, 0)
	require.NoError(t, err)
	require.Equal(t, []int64{10, 20, 30, 40}, got)
}

func TestGCBinlog(t *testing.T) {
	dir := t.TempDir()
	r, err := NewRelayer(dir, Options{MaxFileSize: 300})
	require.NoError(t, err)
	defer func() { require.NoError(t, r.Close()) }()
	var pos []binlogfile.Pos
	for _, x := range []int64{10, 20, 30, 40, 50} {
		p, err := r.WriteBinlog(ddl(x))
		require.NoError(t, err)
		pos = append(pos, p)
	}
	before, err := binlogfile.ReadDir(dir)
	require.NoError(t, err)
	r.GCBinlog(pos[3])
	after, err := binlogfile.ReadDir(dir)
	require.NoError(t, err)
	require.Less(t, len(after), len(before))
	got, _, err := replayTS(t, dir, 0)
	require.NoError(t, err)
	require.Contains(t, got, int64(50))
	require.NotContains(t, got, int64(10))
}

func TestTornTailOnlyAtTheEnd(t *testing.T) {
	dir := t.TempDir()
	writeAll(t, dir, 10, 20, 30, 40, 50)
	files, err := binlogfile.ReadDir(dir)
	require.NoError(t, err)
	newest := files[len(files)-1]
	fi, err := os.Stat(newest)
	require.NoError(t, err)
	require.NoError(t, os.Truncate(newest, fi.Size()-3))
	got, _, err := replayTS(t, dir, 0)
	require.NoError(t, err, "a torn tail of the newest file is where writing stopped")
	require.Equal(t, []int64{10, 20, 30, 40}, got)

	fi, err = os.Stat(files[0])
	require.NoError(t, err)
	require.NoError(t, os.Truncate(files[0], fi.Size()-3))
	_, _, err = replayTS(t, dir, 0)
	var ce *binlogfile.CorruptionError
	require.ErrorAs(t, err, &ce)
}

func TestCorruptFrameIsAnError(t *testing.T) {
	dir := t.TempDir()
	writeAll(t, dir, 10, 20, 30, 40, 50)
	files, err := binlogfile.ReadDir(dir)
	require.NoError(t, err)
	data, err := os.ReadFile(files[0])
	require.NoError(t, err)
	data[20] ^= 0xff // inside the first payload
	require.NoError(t, os.WriteFile(files[0], data, 0o600))
	_, _, err = replayTS(t, dir, 0)
	var ce *binlogfile.CorruptionError
	require.ErrorAs(t, err, &ce)
}

func TestUndecodablePayload(t *testing.T) {
	dir := t.TempDir()
	bl, err := binlogfile.OpenBinlogger(dir, binlogfile.Options{})
	require.NoError(t, err)
	require.NoError(t, bl.WriteTail([]byte{0xff, 0xff}))
	require.NoError(t, bl.Close())
	_, _, err = replayTS(t, dir, 0)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	require.EqualValues(t, 0, de.Offset)
}

func TestReplayStopsOnApplyError(t *testing.T) {
	dir := t.TempDir()
	writeAll(t, dir, 10, 20, 30)
	boom := errors.New("boom")
	last, err := Replay(context.Background(), dir, 0, nil, func(b *secondarypb.Binlog) error {
		if b.GetCommitTs() == 20 {
			return boom
		}
		return nil
	})
	require.ErrorIs(t, err, boom)
	require.EqualValues(t, 10, last)
}
