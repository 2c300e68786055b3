package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

type goldenBinlog struct {
	Tp             string `json:"tp"`
	CommitTS       int64  `json:"commit_ts"`
	DDLJobID       int64  `json:"ddl_job_id"`
	DDLSchemaState int32  `json:"ddl_schema_state"`
}

type goldenJob struct {
	Name     string         `json:"name"`
	JobID    int64          `json:"job_id"`
	Body     string         `json:"http_body_exact"`
	Binlogs  []goldenBinlog `json:"ddl_binlogs"`
	Job      *model.Job     `json:"-"`
	JobBytes []byte         `json:"-"` // the compact JSON of the job
}

// loadGolden reads testdata/ddl_jobs.json: 14 real TiDB v7.0 jobs.
func loadGolden(t testing.TB) []*goldenJob {
	t.Helper()
	b, err := os.ReadFile("testdata/ddl_jobs.json")
	require.NoError(t, err)
	var f struct {
		Jobs []*goldenJob `json:"jobs"`
	}
	require.NoError(t, json.Unmarshal(b, &f))
	require.Len(t, f.Jobs, 14)
	for _, g := range f.Jobs {
		g.Job = parseBody(t, g.Body)
		require.Equal(t, g.JobID, g.Job.ID)
		var raw []json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(g.Body), &raw))
		g.JobBytes = compact(t, raw[0])
	}
	return f.Jobs
}

// parseBody decodes a one-job /ddl/history body afresh.
func parseBody(t testing.TB, body string) *model.Job {
	t.Helper()
	var jobs []*model.Job
	require.NoError(t, json.Unmarshal([]byte(body), &jobs))
	require.Len(t, jobs, 1)
	return jobs[0]
}

func compact(t testing.TB, raw []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, json.Compact(&b, raw))
	return b.Bytes()
}

func goldenJobs(t testing.TB) []*model.Job {
	var jobs []*model.Job
	for _, g := range loadGolden(t) {
		jobs = append(jobs, parseBody(t, g.Body))
	}
	return jobs
}

// ddlBinlog is a committed DDL binlog of the golden run with its job.
type ddlBinlog struct {
	commitTS int64
	state    int32
	job      *goldenJob
}

// committedDDLs returns the commit DDL binlogs in commit order.
func committedDDLs(t testing.TB, golden []*goldenJob) []ddlBinlog {
	var out []ddlBinlog
	for _, g := range golden {
		for _, b := range g.Binlogs {
			if b.Tp == "Commit(1)" {
				out = append(out, ddlBinlog{commitTS: b.CommitTS, state: b.DDLSchemaState, job: g})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].commitTS < out[j].commitTS })
	return out
}

type countCounter struct{ n int }

func (c *countCounter) Inc() { c.n++ }

func newSchema(t testing.TB, jobs []*model.Job, opts ...Option) *Schema {
	t.Helper()
	s, err := New(jobs, nil, opts...)
	require.NoError(t, err)
	return s
}
