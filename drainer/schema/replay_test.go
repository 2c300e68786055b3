package schema

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/drainer/translator"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

type replayItem struct {
	Step     string `json:"step"`
	Prewrite int    `json:"prewrite"`
	Commit   int    `json:"commit"`
	CommitTS int64  `json:"commit_ts"`
	JobID    int64  `json:"ddl_job_id"`
	Synced   bool   `json:"synced"`
	Schema   string `json:"item_schema"`
	Table    string `json:"item_table"`
	FileHex  string `json:"file_sink_pb_binlog_hex"`
	isDDL    bool
}

type replayFile struct {
	Binlogs map[string]string `json:"binlogs"`
	DML     []*replayItem     `json:"dml"`
	DDL     []*replayItem     `json:"ddl"`
}

// mergedBinlog is the binlog as the pump hands it over: the prewrite with
// the commit's commit_ts.
func (f *replayFile) mergedBinlog(t *testing.T, it *replayItem) (*binlogpb.Binlog, *binlogpb.PrewriteValue) {
	t.Helper()
	get := func(idx int) *binlogpb.Binlog {
		raw, err := hex.DecodeString(f.Binlogs[strconv.Itoa(idx)])
		require.NoError(t, err)
		var b binlogpb.Binlog
		require.NoError(t, proto.Unmarshal(raw, &b))
		return &b
	}
	b, c := get(it.Prewrite), get(it.Commit)
	b.CommitTs = proto.Int64(c.GetCommitTs())
	require.Equal(t, it.CommitTS, b.GetCommitTs())
	if it.isDDL {
		return b, nil
	}
	var pv binlogpb.PrewriteValue
	require.NoError(t, proto.Unmarshal(b.GetPrewriteValue(), &pv))
	return b, &pv
}

// TestGoldenDrainerReplay feeds every committed binlog of the golden run, in
// commit order, through the Schema as the syncer does and through the
// translator's file-sink encoder, and gets the original drainer's bytes.
func TestGoldenDrainerReplay(t *testing.T) {
	raw, err := os.ReadFile("testdata/drainer_replay.json")
	require.NoError(t, err)
	var f replayFile
	require.NoError(t, json.Unmarshal(raw, &f))
	jobs := map[int64]*goldenJob{}
	for _, g := range loadGolden(t) {
		jobs[g.JobID] = g
	}
	items := append([]*replayItem{}, f.DML...)
	for _, d := range f.DDL {
		d.isDDL = true
		items = append(items, d)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].CommitTS < items[j].CommitTS })
	require.Len(t, items, 27+15)

	s := newSchema(t, nil)
	for _, it := range items {
		b, pv := f.mergedBinlog(t, it)
		if it.isDDL {
			require.Equal(t, it.JobID, b.GetDdlJobId())
			job := parseBody(t, jobs[it.JobID].Body)
			schema, table, synced := syncDDL(t, s, job, b.GetDdlSchemaState())
			require.Equal(t, it.Synced, synced, it.Step)
			if !synced {
				continue
			}
			require.Equal(t, it.Schema, schema, it.Step)
			require.Equal(t, it.Table, table, it.Step)
			pb, err := translator.TiBinlogToPbBinlog(s, schema, table, b, nil, time.UTC)
			require.NoError(t, err, it.Step)
			requireHex(t, it.FileHex, pb, it.Step)
			continue
		}
		require.NoError(t, s.HandlePreviousDDLJobIfNeed(pv.GetSchemaVersion()))
		for _, m := range pv.GetMutations() {
			require.False(t, s.IsTruncateTableID(m.GetTableId()), it.Step)
		}
		pb, err := translator.TiBinlogToPbBinlog(s, "", "", b, pv, time.UTC)
		require.NoError(t, err, it.Step)
		requireHex(t, it.FileHex, pb, it.Step)
	}
}

func requireHex(t *testing.T, want string, m proto.Message, msg string) {
	t.Helper()
	b, err := proto.Marshal(m)
	require.NoError(t, err)
	require.Equal(t, want, hex.EncodeToString(b), msg)
}
