package schema

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// syntheticHistory is a history of n jobs: one database, tables of 10
// columns, then ADD COLUMN jobs spread over them.
func syntheticHistory(n int) []*model.Job {
	jobs := []*model.Job{schemaJob(1, model.ActionCreateSchema, 10, 1, "db")}
	tables := max(n/5, 1)
	for i := range tables {
		id := int64(100 + i)
		jobs = append(jobs, tableJob(int64(len(jobs)+1), model.ActionCreateTable, 10, id, int64(len(jobs)+1), tbl(id, "t", 10)))
	}
	for i := 0; len(jobs) < n; i++ {
		id := int64(100 + i%tables)
		jobs = append(jobs, tableJob(int64(len(jobs)+1), model.ActionAddColumn, 10, id, int64(len(jobs)+1), tbl(id, "t", 11)))
	}
	return jobs
}

func BenchmarkApplyHistory(b *testing.B) {
	jobs := syntheticHistory(10000)
	b.ReportAllocs()
	for b.Loop() {
		s, _ := New(jobs, nil)
		if err := s.HandlePreviousDDLJobIfNeed(1 << 40); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(jobs)*b.N)/b.Elapsed().Seconds(), "jobs/s")
}

// benchJobs is the history size of BenchmarkAllJobs; its cost is mostly
// pkg/model's JSON decoding (and the fake server's encoding).
const benchJobs = 2000

func BenchmarkAllJobs(b *testing.B) {
	f := &fakeTiDB{jobs: syntheticHistory(benchJobs), bodies: map[int64]string{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	src, _ := StaticURLs([]string{srv.URL}, false)
	h := NewHistory(src, nil)
	b.ReportAllocs()
	for b.Loop() {
		jobs, err := h.AllJobs(context.Background())
		if err != nil || len(jobs) != benchJobs {
			b.Fatal(len(jobs), err)
		}
	}
	b.ReportMetric(float64(benchJobs*b.N)/b.Elapsed().Seconds(), "jobs/s")
}
