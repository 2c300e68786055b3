package file

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/drainer/translator/translatortest"
	"github.com/openbinlog/tidb-binlog/pkg/binlogfile"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

type goldenItem struct {
	Kind      string `json:"kind"`
	BinlogHex string `json:"prewrite_binlog_hex"`
	CommitTS  int64  `json:"commit_ts"`
	Schema    string `json:"schema"`
	Table     string `json:"table"`
}

type golden struct {
	Items   []goldenItem `json:"items"`
	JobMeta string       `json:"t_all_job_meta"`
	FileHex string       `json:"file_hex"`
}

// tables is a TableInfoGetter knowing the tables it was given.
type tables = translatortest.Tables

func loadGolden(t testing.TB) (*golden, *tables, []*sink.Item) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "golden.json"))
	require.NoError(t, err)
	var g golden
	require.NoError(t, json.Unmarshal(raw, &g))
	var job model.Job
	require.NoError(t, json.Unmarshal([]byte(g.JobMeta), &job))
	tbls := translatortest.FromJob(&job)
	var items []*sink.Item
	for _, gi := range g.Items {
		data, err := hex.DecodeString(gi.BinlogHex)
		require.NoError(t, err)
		var b binlogpb.Binlog
		require.NoError(t, proto.Unmarshal(data, &b))
		b.CommitTs = proto.Int64(gi.CommitTS) // the pump hands the prewrite over with its commit ts
		it := &sink.Item{Binlog: &b, Schema: gi.Schema, Table: gi.Table}
		if gi.Kind == "dml" {
			var pv binlogpb.PrewriteValue
			require.NoError(t, proto.Unmarshal(b.PrewriteValue, &pv))
			it.PrewriteValue = &pv
			it.SchemaVersion = pv.GetSchemaVersion()
		}
		items = append(items, it)
	}
	return &g, tbls, items
}

// collect drains n successes.
func collect(t *testing.T, s *Sink, n int) []*sink.Item {
	t.Helper()
	var got []*sink.Item
	timeout := time.After(20 * time.Second)
	for len(got) < n {
		select {
		case it := <-s.Successes():
			got = append(got, it)
		case err := <-s.Error():
			t.Fatalf("sink failed: %v", err)
		case <-timeout:
			t.Fatalf("%d of %d successes", len(got), n)
		}
	}
	return got
}

func closeSink(t *testing.T, s *Sink) {
	t.Helper()
	require.NoError(t, s.Close())
	_, open := <-s.Successes()
	require.False(t, open)
}

// TestGoldenFileMatchesOriginal: the three binlogs the original file sink
// wrote give the same file, byte for byte.
func TestGoldenFileMatchesOriginal(t *testing.T) {
	g, tbls, items := loadGolden(t)
	dir := t.TempDir()
	s, err := New(Config{Dir: dir, Location: time.UTC}, tbls)
	require.NoError(t, err)
	for _, it := range items {
		require.NoError(t, s.Sync(it))
	}
	require.Equal(t, items, collect(t, s, len(items)))
	closeSink(t, s)

	files, err := binlogfile.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, files, 1)
	got, err := os.ReadFile(files[0])
	require.NoError(t, err)
	require.Equal(t, g.FileHex, hex.EncodeToString(got))
}

func ddlItem(commitTS int64, query string, skip bool) *sink.Item {
	return &sink.Item{
		Binlog: &binlogpb.Binlog{StartTs: proto.Int64(commitTS - 1), CommitTs: proto.Int64(commitTS),
			DdlJobId: proto.Int64(commitTS), DdlQuery: []byte(query)},
		Schema: "db", Table: "t", ShouldSkip: skip,
	}
}

func fakeItem(ts int64) *sink.Item {
	return &sink.Item{Binlog: &binlogpb.Binlog{StartTs: proto.Int64(ts), CommitTs: proto.Int64(ts)}}
}

// readPayloads decodes every pb_binlog of the directory.
func readPayloads(t *testing.T, dir string) []*filepb.Binlog {
	t.Helper()
	files, err := binlogfile.ReadDir(dir)
	require.NoError(t, err)
	var out []*filepb.Binlog
	for _, f := range files {
		r := binlogfile.NewReader(f, 0, nil)
		for {
			p, _, err := r.Next()
			if err != nil {
				require.ErrorIs(t, err, io.EOF)
				break
			}
			var b filepb.Binlog
			require.NoError(t, proto.Unmarshal(p, &b))
			out = append(out, &b)
		}
		require.NoError(t, r.Close())
	}
	return out
}

func TestSkipsFakeAndShouldSkipButReportsInOrder(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Config{Dir: dir, MaxFileSize: 200}, &tables{})
	require.NoError(t, err)
	var items []*sink.Item
	for i := int64(1); i <= 300; i++ {
		switch i % 3 {
		case 0:
			items = append(items, fakeItem(i*10))
		case 1:
			items = append(items, ddlItem(i*10, "CREATE TABLE t (a int)", false))
		default:
			items = append(items, ddlItem(i*10, "ALTER TABLE t ADD COLUMN b int", true))
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for _, it := range items {
			if err := s.Sync(it); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	require.Equal(t, items, collect(t, s, len(items)))
	wg.Wait()
	closeSink(t, s)
	require.ErrorIs(t, s.Sync(items[0]), ErrClosed)

	written := readPayloads(t, dir)
	require.Len(t, written, 100)
	for i, b := range written {
		require.Equal(t, int64(30*i+10), b.GetCommitTs())
		require.Equal(t, filepb.BinlogType_DDL, b.GetTp())
		require.Equal(t, "use `db`; CREATE TABLE t (a int);", string(b.GetDdlQuery()))
	}
	files, err := binlogfile.ReadDir(dir)
	require.NoError(t, err)
	require.Greater(t, len(files), 10) // rotated
}

func TestReopenContinuesTheDirectory(t *testing.T) {
	dir := t.TempDir()
	for round := int64(0); round < 2; round++ {
		s, err := New(Config{Dir: dir}, &tables{})
		require.NoError(t, err)
		require.NoError(t, s.Sync(ddlItem(100+round, "CREATE TABLE t (a int)", false)))
		collect(t, s, 1)
		closeSink(t, s)
	}
	written := readPayloads(t, dir)
	require.Len(t, written, 2)
	require.Equal(t, int64(101), written[1].GetCommitTs())
}

func TestTranslateErrorIsReturned(t *testing.T) {
	s, err := New(Config{Dir: t.TempDir()}, &tables{})
	require.NoError(t, err)
	defer closeSink(t, s)
	it := &sink.Item{
		Binlog: &binlogpb.Binlog{StartTs: proto.Int64(1), CommitTs: proto.Int64(2)},
		PrewriteValue: &binlogpb.PrewriteValue{Mutations: []*binlogpb.TableMutation{
			{TableId: proto.Int64(999), InsertedRows: [][]byte{{0x01}}},
		}},
	}
	require.ErrorContains(t, s.Sync(it), "commit ts 2")
}

func TestDirectoryLockedByAnotherSink(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Config{Dir: dir}, &tables{})
	require.NoError(t, err)
	defer closeSink(t, s)
	_, err = New(Config{Dir: dir}, &tables{})
	require.ErrorIs(t, err, binlogfile.ErrLocked)
	_, err = New(Config{}, &tables{})
	require.Error(t, err)
}

// fullDisk fails every write with ENOSPC (a full disk cannot be made in a
// test, so the failure is injected through the sink's appender).
type fullDisk struct{ closed bool }

func (f *fullDisk) WriteTail([]byte) error {
	return errors.Join(binlogfile.ErrNoSpace, syscall.ENOSPC)
}
func (f *fullDisk) Sync() error                        { return nil }
func (f *fullDisk) GC(time.Duration) ([]string, error) { return nil, nil }
func (f *fullDisk) Close() error                       { f.closed = true; return nil }

func TestWriteFailureStopsTheSink(t *testing.T) {
	disk := &fullDisk{}
	s := start(disk, &tables{}, Config{GCInterval: time.Hour, Location: time.UTC}, zap.NewNop())
	require.NoError(t, s.Sync(fakeItem(5))) // reported without a write
	require.Equal(t, int64(5), collect(t, s, 1)[0].CommitTS())
	require.NoError(t, s.Sync(ddlItem(10, "CREATE TABLE t (a int)", false)))
	select {
	case err := <-s.Error():
		require.ErrorIs(t, err, binlogfile.ErrNoSpace)
		require.ErrorContains(t, err, "commit ts 10")
	case <-time.After(20 * time.Second):
		t.Fatal("no error")
	}
	require.Eventually(t, func() bool { return errors.Is(s.Sync(fakeItem(20)), ErrClosed) }, 10*time.Second, time.Millisecond)
	require.ErrorIs(t, s.Close(), binlogfile.ErrNoSpace)
	require.True(t, disk.closed)
	_, open := <-s.Successes()
	require.False(t, open) // nothing after the failure was reported
}

func TestRetentionGC(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-72 * time.Hour)
	var names []string
	for i := range 3 {
		name := filepath.Join(dir, binlogfile.FileName(uint64(i), old))
		require.NoError(t, os.WriteFile(name, nil, 0o600))
		require.NoError(t, os.Chtimes(name, old, old))
		names = append(names, name)
	}
	s, err := New(Config{Dir: dir, Retention: 48 * time.Hour, GCInterval: 10 * time.Millisecond}, &tables{})
	require.NoError(t, err)
	defer closeSink(t, s)
	require.Eventually(t, func() bool {
		files, err := binlogfile.ReadDir(dir)
		return err == nil && len(files) == 1
	}, 10*time.Second, 5*time.Millisecond)
	files, err := binlogfile.ReadDir(dir)
	require.NoError(t, err)
	require.Equal(t, names[2:], files) // the newest (being written) stays
}
