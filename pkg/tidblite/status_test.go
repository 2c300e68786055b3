package tidblite

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

func TestHistoryMatchesGolden(t *testing.T) {
	s := startStandalone(t)
	golden := loadGoldenJobs(t)
	for _, g := range golden {
		var job model.Job
		require.NoError(t, json.Unmarshal(g.Job, &job))
		require.NoError(t, s.meta.addJob(context.Background(), &job))
	}
	for _, g := range golden {
		code, body := httpGet(t, fmt.Sprintf("%s/ddl/history?start_job_id=%d&limit=1", s.StatusURL(), g.JobID))
		require.Equal(t, http.StatusOK, code)
		require.Equal(t, g.HTTPBodyExact, body, g.Name) // byte-exact
	}
}

func TestHistorySemantics(t *testing.T) {
	s := startStandalone(t)
	for _, id := range []int64{10, 20, 30, 40} {
		require.NoError(t, s.meta.addJob(context.Background(), &model.Job{ID: id, State: model.JobStateSynced}))
	}
	ids := func(query string) []int64 {
		code, body := httpGet(t, s.StatusURL()+"/ddl/history"+query)
		require.Equal(t, http.StatusOK, code, body)
		var js []*model.Job
		require.NoError(t, json.Unmarshal([]byte(body), &js))
		out := []int64{}
		for _, j := range js {
			out = append(out, j.ID)
		}
		return out
	}
	require.Equal(t, []int64{10, 20, 30, 40}, ids(""))
	require.Equal(t, []int64{30, 20}, ids("?start_job_id=30&limit=2"))
	require.Equal(t, []int64{30, 20}, ids("?start_job_id=35&limit=2"))
	require.Equal(t, []int64{40, 30, 20}, ids("?limit=3"))
	require.Equal(t, []int64{}, ids("?start_job_id=5&limit=3"))
	for _, bad := range []string{"?start_job_id=3", "?limit=0", "?limit=2049", "?start_job_id=0&limit=1", "?limit=x"} {
		code, _ := httpGet(t, s.StatusURL()+"/ddl/history"+bad)
		require.Equal(t, http.StatusBadRequest, code, bad)
	}
}

func TestStatusEndpoints(t *testing.T) {
	s := startStandalone(t)
	db := openDB(t, s, "")
	mustExec(t, db, "CREATE DATABASE sdb", "CREATE TABLE sdb.t (id int primary key)")
	code, body := httpGet(t, s.StatusURL()+"/status")
	require.Equal(t, http.StatusOK, code)
	var st map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &st))
	require.Contains(t, st["version"], "TiDB")

	code, body = httpGet(t, s.StatusURL()+"/info")
	require.Equal(t, http.StatusOK, code)
	var info serverInfo
	require.NoError(t, json.Unmarshal([]byte(body), &info))
	require.Equal(t, "Off", info.BinlogStatus)
	require.Equal(t, s.port, info.ListeningPort)
	require.Equal(t, s.statusPort, info.StatusPort)

	code, body = httpGet(t, s.StatusURL()+"/schema")
	require.Equal(t, http.StatusOK, code)
	var dbs []*model.DBInfo
	require.NoError(t, json.Unmarshal([]byte(body), &dbs))
	require.Len(t, dbs, 1)
	require.Equal(t, "sdb", dbs[0].Name.O)

	code, body = httpGet(t, s.StatusURL()+"/schema/sdb/t")
	require.Equal(t, http.StatusOK, code)
	var ti model.TableInfo
	require.NoError(t, json.Unmarshal([]byte(body), &ti))
	require.True(t, ti.PKIsHandle)
	code, _ = httpGet(t, fmt.Sprintf("%s/schema?table_id=%d", s.StatusURL(), ti.ID))
	require.Equal(t, http.StatusOK, code)
	code, body = httpGet(t, s.StatusURL()+"/schema/sdb")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, `"t"`)
	code, _ = httpGet(t, s.StatusURL()+"/schema/nope")
	require.Equal(t, http.StatusBadRequest, code)
	code, _ = httpGet(t, s.StatusURL()+"/schema/sdb/nope")
	require.Equal(t, http.StatusBadRequest, code)

	code, _ = httpPost(t, s.StatusURL()+"/fault/crash?mode=bogus")
	require.Equal(t, http.StatusBadRequest, code)
	code, _ = httpPost(t, s.StatusURL()+"/fault/crash")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, CrashBeforeCommit, s.crashArmed())
	code, _ = httpPost(t, s.StatusURL()+"/fault/crash?mode=none")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, CrashNone, s.crashArmed())
}
