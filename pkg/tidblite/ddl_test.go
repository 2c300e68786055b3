package tidblite

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// normalizeTable clears what legitimately differs from the golden run (IDs
// and timestamps) and the TIME precision go-mysql-server lacks.
func normalizeTable(t *testing.T, ti *model.TableInfo) string {
	t.Helper()
	c, err := ti.Clone()
	require.NoError(t, err)
	c.ID, c.UpdateTS = 0, 0
	for _, col := range c.Columns {
		if col.Name.L == "c_time" { // golden: time(2); here: time
			col.Flen, col.Decimal = 10, 0
		}
	}
	b, err := json.MarshalIndent(c, "", " ")
	require.NoError(t, err)
	return string(b)
}

// goldenDDL is the golden sequence of DDL statements, with the TIME column
// declared without precision.
var goldenDDL = []struct{ job, sql string }{
	{"create schema", "CREATE DATABASE goldendb"},
	{"create table t_all", "CREATE TABLE t_all (id bigint PRIMARY KEY, c_int int, c_uint int unsigned, c_float float, c_double double, c_dec decimal(20,6), c_char varchar(64), c_blob blob, c_date date, c_dt datetime(6), c_ts timestamp(3), c_time time, c_year year, c_enum enum('a','b','c'), c_set set('x','y','z'), c_bit bit(10), c_json json)"},
	{"create table t_nopk (no primary key => _tidb_rowid handle)", "CREATE TABLE t_nopk (a int, b varchar(10))"},
	{"add column", "ALTER TABLE t_all ADD COLUMN c_new int DEFAULT 42"},
	{"drop column", "ALTER TABLE t_all DROP COLUMN c_new"},
	{"add index", "ALTER TABLE t_all ADD INDEX idx_int (c_int)"},
	{"add unique index", "ALTER TABLE t_all ADD UNIQUE INDEX uk_char (c_char)"},
	{"truncate table", "TRUNCATE TABLE t_all"},
	{"rename table", "RENAME TABLE t_all TO t_all_renamed"},
	{"drop table", "DROP TABLE t_all_renamed"},
	{"drop schema", "DROP DATABASE goldendb"},
}

func TestDDLJobsMatchGolden(t *testing.T) {
	s := startStandalone(t)
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	var prevVersion int64
	for _, step := range goldenDDL {
		t.Run(step.job, func(t *testing.T) {
			if step.job == "create table t_all" {
				mustExec(t, db, "USE goldendb")
			}
			mustExec(t, db, step.sql)
			got := lastJob(t, s)
			want := goldenJobByName(t, step.job)
			require.Equal(t, want.Type, got.Type)
			require.Equal(t, model.JobStateSynced, got.State)
			require.Equal(t, want.SchemaState, got.SchemaState)
			require.Equal(t, want.SchemaName, got.SchemaName)
			require.Equal(t, want.TableName, got.TableName)
			require.Equal(t, strings.ReplaceAll(want.Query, "time(2)", "time"), got.Query)
			require.Greater(t, got.SchemaVersion(), prevVersion)
			require.Greater(t, got.FinishedTS(), got.RealStartTS)
			prevVersion = got.SchemaVersion()
			if want.BinlogInfo.TableInfo != nil {
				require.NotNil(t, got.BinlogInfo.TableInfo)
				require.Equal(t, normalizeTable(t, want.BinlogInfo.TableInfo), normalizeTable(t, got.BinlogInfo.TableInfo))
			}
			if want.BinlogInfo.DBInfo != nil {
				w, g := *want.BinlogInfo.DBInfo, *got.BinlogInfo.DBInfo
				w.ID, g.ID = 0, 0
				require.Equal(t, w, g)
			}
		})
	}
}

func TestDDLIDsLikeTiDB(t *testing.T) {
	s := startStandalone(t)
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "CREATE DATABASE d1", "USE d1", "CREATE TABLE t (id int primary key, v int)")
	js := jobs(t, s)
	require.Len(t, js, 2)
	// The schema (table) ID is allocated right before the job ID.
	require.Equal(t, js[0].SchemaID+1, js[0].ID)
	require.Equal(t, js[1].TableID+1, js[1].ID)
	require.Equal(t, js[0].SchemaID, js[1].SchemaID)
	mustExec(t, db, "TRUNCATE TABLE t")
	tr := lastJob(t, s)
	require.Equal(t, js[1].TableID, tr.TableID)
	require.Equal(t, tr.ID-1, tr.BinlogInfo.TableInfo.ID)
	// Column IDs survive a rename, new columns get new IDs.
	mustExec(t, db, "ALTER TABLE t CHANGE v w bigint", "ALTER TABLE t ADD COLUMN x int")
	ti := lastJob(t, s).BinlogInfo.TableInfo
	require.Equal(t, []string{"id", "w", "x"}, []string{ti.Columns[0].Name.O, ti.Columns[1].Name.O, ti.Columns[2].Name.O})
	require.Equal(t, []int64{1, 2, 3}, []int64{ti.Columns[0].ID, ti.Columns[1].ID, ti.Columns[2].ID})
	require.Equal(t, model.TypeLonglong, ti.Columns[1].Tp)
	require.EqualValues(t, 3, ti.MaxColumnID)
}

func TestDDLPassthroughAndErrors(t *testing.T) {
	s := startStandalone(t)
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "CREATE DATABASE d", "USE d", "CREATE TABLE t (id int primary key)")
	n := len(jobs(t, s))
	mustExec(t, db, "CREATE DATABASE IF NOT EXISTS d", "CREATE TABLE IF NOT EXISTS t (id int primary key)", "DROP TABLE IF EXISTS nope")
	require.Len(t, jobs(t, s), n, "no-op DDL writes no job")
	_, err := db.Exec("CREATE TABLE t (id int)")
	require.Error(t, err)
	_, err = db.Exec("ALTER TABLE t ADD COLUMN a int, ADD COLUMN b int")
	require.ErrorContains(t, err, "unsupported DDL")
	_, err = db.Exec("CREATE VIEW v AS SELECT 1")
	require.ErrorContains(t, err, "unsupported DDL")
	require.Len(t, jobs(t, s), n)
	mustExec(t, db, "CREATE TABLE t2 (id int primary key)", "CREATE TABLE t3 (id int primary key)", "DROP TABLE t2, t3")
	js := jobs(t, s)
	require.Len(t, js, n+4, "one job per dropped table")
	require.Equal(t, "DROP TABLE `d`.`t2`", js[n+2].Query)
	require.Equal(t, "DROP TABLE `d`.`t3`", js[n+3].Query)
	var count int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'd'").Scan(&count))
	require.Equal(t, 1, count)
}
