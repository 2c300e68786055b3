package tidblite

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// Golden data produced by TiDB v7.0 itself (copies in testdata).

type goldenJob struct {
	Name           string          `json:"name"`
	SQL            string          `json:"sql"`
	JobID          int64           `json:"job_id"`
	HTTPBodyExact  string          `json:"http_body_exact"`
	Job            json.RawMessage `json:"job"`
	DDLBinlogs     []goldenBinlog  `json:"ddl_binlogs"`
	MetaValueExact string          `json:"meta_history_value_exact"`
}

type goldenBinlog struct {
	Fields struct {
		Tp             string `json:"tp"`
		StartTS        int64  `json:"start_ts"`
		CommitTS       int64  `json:"commit_ts"`
		PrewriteKeyHex string `json:"prewrite_key_hex"`
		DDLQuery       string `json:"ddl_query"`
		DDLJobID       int64  `json:"ddl_job_id"`
		DDLSchemaState int32  `json:"ddl_schema_state"`
	} `json:"fields"`
}

func loadGoldenJobs(t *testing.T) []goldenJob {
	t.Helper()
	b, err := os.ReadFile("testdata/ddl_jobs.json")
	require.NoError(t, err)
	var f struct {
		Jobs []goldenJob `json:"jobs"`
	}
	require.NoError(t, json.Unmarshal(b, &f))
	return f.Jobs
}

// goldenJobByName returns a parsed golden job.
func goldenJobByName(t *testing.T, name string) *model.Job {
	t.Helper()
	for _, j := range loadGoldenJobs(t) {
		if j.Name == name {
			var job model.Job
			require.NoError(t, json.Unmarshal(j.Job, &job))
			return &job
		}
	}
	t.Fatalf("no golden job %q", name)
	return nil
}

type goldenRow struct {
	RowHex string `json:"row_hex"`
}

type goldenMutation struct {
	TableID      int64       `json:"table_id"`
	Sequence     []string    `json:"sequence"`
	InsertedRows []goldenRow `json:"inserted_rows"`
	UpdatedRows  []goldenRow `json:"updated_rows"`
	DeletedRows  []goldenRow `json:"deleted_rows"`
}

type goldenExample struct {
	Name    string `json:"name"`
	Binlogs []struct {
		Tp             string           `json:"tp"`
		PrewriteKeyHex string           `json:"prewrite_key_hex"`
		SchemaVersion  int64            `json:"schema_version"`
		Mutations      []goldenMutation `json:"table_mutations"`
	} `json:"binlogs"`
}

func loadGoldenExamples(t *testing.T) map[string]goldenExample {
	t.Helper()
	b, err := os.ReadFile("testdata/rows.json")
	require.NoError(t, err)
	var f struct {
		Examples []goldenExample `json:"examples"`
	}
	require.NoError(t, json.Unmarshal(b, &f))
	out := map[string]goldenExample{}
	for _, e := range f.Examples {
		out[e.Name] = e
	}
	return out
}
