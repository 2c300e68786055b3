package schema

import (
	"encoding/json"
	"testing"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// FuzzApplyJobs decodes a /ddl/history body and applies it: malformed
// bodies are decode errors and odd jobs are errors or skips, never panics.
func FuzzApplyJobs(f *testing.F) {
	for _, g := range loadGolden(f) {
		f.Add([]byte(g.Body))
	}
	f.Add([]byte(`[{"id":9,"type":250,"state":6,"binlog":{"SchemaVersion":9}}]`))
	f.Add([]byte(`[{"id":1,"type":47,"state":6,"raw_args":[[1],[2]],"binlog":{"SchemaVersion":3,"MultipleTableInfos":[null]}}]`))
	f.Add([]byte(`[{"id":1,"type":42,"table_id":5,"state":6,"raw_args":[7,1,5],"binlog":{"SchemaVersion":3,"TableInfo":{"id":5}}}]`))
	f.Add([]byte(`[null,{"type":3,"state":6,"schema_id":1,"binlog":{"SchemaVersion":2,"TableInfo":{"id":7,"partition":{"definitions":[{"id":8}]}}}}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var jobs []*model.Job
		if json.Unmarshal(body, &jobs) != nil {
			return
		}
		s, err := New(jobs, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if j != nil {
				s.AddJob(JobForBinlog(j, int32(model.StateDeleteOnly)))
			}
		}
		for range 3 { // an error leaves the job queued: retrying must not panic either
			_ = s.HandlePreviousDDLJobIfNeed(1 << 62)
		}
		for _, id := range s.TableIDs() {
			s.TableByID(id)
			s.SchemaAndTableName(id)
			s.CanAppendDefaultValue(id, 0)
			s.TableBySchemaVersion(id, 0)
		}
		_, _, _ = s.GetSchemaTableAndDelete(s.CurrentVersion())
	})
}
