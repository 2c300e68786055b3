package tidblite

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

func TestParseSequenceOptions(t *testing.T) {
	si := parseSequenceOptions(" start with 10 increment by 5 cache 3 maxvalue 100")
	require.Equal(t, sequenceInfo{Start: 10, Cache: true, MinValue: 1, MaxValue: 100, Increment: 5, CacheValue: 3}, si)
	si = parseSequenceOptions(" nocache")
	require.False(t, si.Cache)
	require.EqualValues(t, 1, si.CacheValue)
	require.EqualValues(t, defSeqCache, parseSequenceOptions("").CacheValue)
}

// CREATE SEQUENCE is a job with the sequence's TableInfo; NEXTVAL hands out
// values from a cached range and writes TiDB's mock `select setval` DDL
// binlog each time the range moves; SETVAL beyond the range writes one too.
func TestSequence(t *testing.T) {
	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "CREATE DATABASE sq", "USE sq", "CREATE SEQUENCE seq1 START WITH 5 INCREMENT BY 2 CACHE 3")
	f.waitPairs(t, 2)
	job := lastJob(t, s)
	require.Equal(t, model.ActionCreateSequence, job.Type)
	var si sequenceInfo
	require.NoError(t, json.Unmarshal(job.BinlogInfo.TableInfo.Sequence, &si))
	require.EqualValues(t, 5, si.Start)
	require.EqualValues(t, 3, si.CacheValue)
	require.Equal(t, "seq1", job.TableName)

	var got []int64
	for _, q := range []string{"SELECT NEXTVAL(seq1)", "SELECT NEXT VALUE FOR sq.seq1", "SELECT nextval(`sq`.`seq1`)", "SELECT NEXTVAL(seq1)"} {
		var v int64
		require.NoError(t, db.QueryRow(q).Scan(&v), q)
		got = append(got, v)
	}
	require.Equal(t, []int64{5, 7, 9, 11}, got)
	var last int64
	require.NoError(t, db.QueryRow("SELECT LASTVAL(seq1)").Scan(&last))
	require.EqualValues(t, 11, last)
	var set int64
	require.NoError(t, db.QueryRow("SELECT SETVAL(seq1, 100)").Scan(&set))
	require.EqualValues(t, 100, set)

	ps := prewrites(f.waitPairs(t, 5))
	for i, want := range []string{"select setval(`sq`.`seq1`, 9)", "select setval(`sq`.`seq1`, 15)", "select setval(`sq`.`seq1`, 100)"} {
		p := ps[2+i]
		require.Equal(t, want, string(p.GetDdlQuery()))
		require.NotZero(t, p.GetDdlJobId())
		require.EqualValues(t, model.StatePublic, p.GetDdlSchemaState())
	}
	require.Len(t, jobs(t, s), 2, "the mock DDL binlogs have no job")

	mustExec(t, db, "DROP SEQUENCE seq1", "DROP SEQUENCE IF EXISTS seq1", "CREATE SEQUENCE IF NOT EXISTS seq2", "CREATE SEQUENCE IF NOT EXISTS seq2")
	js := jobs(t, s)
	require.Len(t, js, 4)
	require.Equal(t, model.ActionDropSequence, js[2].Type)
	require.Equal(t, model.StateNone, js[2].BinlogInfo.TableInfo.State)
	_, err := db.Exec("SELECT NEXTVAL(seq1)")
	requireCode(t, err, 1146)
	_, err = db.Exec("CREATE SEQUENCE seq2")
	requireCode(t, err, 1050)
}
