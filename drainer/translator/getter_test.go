package translator

import (
	"encoding/json"
	"os"
	"sort"
	"testing"

	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/stretchr/testify/require"
)

// goldenFile is testdata/drainer_golden.json (trimmed from the golden files).
type goldenFile struct {
	Binlogs    map[string]string `json:"binlogs"`
	Jobs       []goldenJob       `json:"jobs"`
	DMLBinlogs []goldenDML       `json:"dml_binlogs"`
	DDLBinlogs []goldenDDL       `json:"ddl_binlogs"`
}

type goldenJob struct {
	Name        string `json:"name"`
	CommitIndex int    `json:"commit_binlog_index"`
	Meta        string `json:"meta_history_value_exact"`
}

type goldenValue struct {
	GoType string  `json:"go_type"`
	Value  *string `json:"value"`
	Hex    string  `json:"hex"`
}

type goldenTxnDML struct {
	Database  string                 `json:"database"`
	Table     string                 `json:"table"`
	Tp        string                 `json:"tp"`
	Values    map[string]goldenValue `json:"values"`
	OldValues map[string]goldenValue `json:"old_values"`
}

type goldenDML struct {
	Step          string         `json:"step"`
	PrewriteIndex int            `json:"prewrite_binlog_index"`
	CommitIndex   int            `json:"commit_binlog_index"`
	CommitTS      int64          `json:"commit_ts"`
	SchemaVersion int64          `json:"schema_version"`
	FileHex       string         `json:"file_sink_pb_binlog_hex"`
	KafkaHex      string         `json:"kafka_secondary_binlog_hex"`
	TxnDMLs       []goldenTxnDML `json:"mysql_txn_dmls"`
}

type goldenDDL struct {
	Step          string `json:"step"`
	PrewriteIndex int    `json:"prewrite_binlog_index"`
	CommitIndex   int    `json:"commit_binlog_index"`
	CommitTS      int64  `json:"commit_ts"`
	Schema        string `json:"item_schema"`
	Table         string `json:"item_table"`
	FileQuery     string `json:"file_sink_ddl_query"`
	FileHex       string `json:"file_sink_pb_binlog_hex"`
	KafkaHex      string `json:"kafka_secondary_binlog_hex"`
	TxnDDL        struct {
		Database   string `json:"database"`
		Table      string `json:"table"`
		SQL        string `json:"sql"`
		ShouldSkip bool   `json:"should_skip"`
	} `json:"mysql_txn_ddl"`
}

func loadGolden(t testing.TB) *goldenFile {
	t.Helper()
	raw, err := os.ReadFile("testdata/drainer_golden.json")
	require.NoError(t, err)
	var g goldenFile
	require.NoError(t, json.Unmarshal(raw, &g))
	return &g
}

// testSchema is a TableInfoGetter built from DDL jobs' binlog.TableInfo:
// every table id keeps its infos by schema version.
type testSchema struct {
	infos    map[int64][]versionedInfo
	names    map[int64][2]string
	dropping map[int64]bool
}

type versionedInfo struct {
	version int64
	info    *model.TableInfo
}

var _ TableInfoGetter = (*testSchema)(nil)

func newTestSchema() *testSchema {
	return &testSchema{infos: map[int64][]versionedInfo{}, names: map[int64][2]string{}, dropping: map[int64]bool{}}
}

// schemaBefore applies the jobs whose DDL binlog committed before the binlog
// at commitIndex, in commit order, as the drainer had them.
func schemaBefore(t testing.TB, g *goldenFile, commitIndex int) *testSchema {
	t.Helper()
	s := newTestSchema()
	jobs := append([]goldenJob(nil), g.Jobs...)
	sort.Slice(jobs, func(i, j int) bool { return jobs[i].CommitIndex < jobs[j].CommitIndex })
	for _, j := range jobs {
		if j.CommitIndex >= commitIndex {
			break
		}
		var job model.Job
		require.NoError(t, json.Unmarshal([]byte(j.Meta), &job), j.Name)
		if job.BinlogInfo != nil && job.BinlogInfo.TableInfo != nil {
			s.add(job.SchemaName, job.BinlogInfo.SchemaVersion, job.BinlogInfo.TableInfo)
		}
	}
	return s
}

func (s *testSchema) add(schema string, version int64, info *model.TableInfo) {
	s.infos[info.ID] = append(s.infos[info.ID], versionedInfo{version: version, info: info})
	s.names[info.ID] = [2]string{schema, info.Name.O}
}

func (s *testSchema) TableByID(id int64) (*model.TableInfo, bool) {
	vs := s.infos[id]
	if len(vs) == 0 {
		return nil, false
	}
	return vs[len(vs)-1].info, true
}

func (s *testSchema) SchemaAndTableName(id int64) (string, string, bool) {
	n, ok := s.names[id]
	return n[0], n[1], ok
}

func (s *testSchema) CanAppendDefaultValue(id, schemaVersion int64) bool {
	vs := s.infos[id]
	return s.dropping[id] || (len(vs) > 0 && schemaVersion < vs[len(vs)-1].version)
}

func (s *testSchema) TableBySchemaVersion(id, schemaVersion int64) (*model.TableInfo, bool) {
	var found *model.TableInfo
	for _, v := range s.infos[id] {
		if v.version <= schemaVersion {
			found = v.info
		}
	}
	return found, found != nil
}
