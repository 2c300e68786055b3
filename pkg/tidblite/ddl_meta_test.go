package tidblite

import (
	"errors"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

func TestClassifyMetaDDL(t *testing.T) {
	cases := []struct {
		q    string
		want metaDDL
	}{
		{"ALTER TABLE t CACHE", metaDDL{action: model.ActionAlterCacheTable, table: "t"}},
		{"alter table `d`.`t` nocache;", metaDDL{action: model.ActionAlterNoCacheTable, db: "d", table: "t"}},
		{"ALTER TABLE d.t ATTRIBUTES='merge_option=deny'", metaDDL{action: model.ActionAlterTableAttributes, db: "d", table: "t"}},
		{"CREATE PLACEMENT POLICY p1 FOLLOWERS=4", metaDDL{action: model.ActionCreatePlacementPolicy, name: "p1"}},
		{"create or replace placement policy if not exists `p 2` PRIMARY_REGION='r1' REGIONS='r1'", metaDDL{action: model.ActionCreatePlacementPolicy, name: "p 2"}},
		{"ALTER PLACEMENT POLICY p1 FOLLOWERS=2", metaDDL{action: model.ActionAlterPlacementPolicy, name: "p1"}},
		{"DROP PLACEMENT POLICY IF EXISTS p1", metaDDL{action: model.ActionDropPlacementPolicy, name: "p1"}},
		{"CREATE RESOURCE GROUP rg1 RU_PER_SEC=1000", metaDDL{action: model.ActionCreateResourceGroup, name: "rg1"}},
		{"alter resource group rg1 ru_per_sec = 2000 burstable", metaDDL{action: model.ActionAlterResourceGroup, name: "rg1"}},
		{"DROP RESOURCE GROUP rg1", metaDDL{action: model.ActionDropResourceGroup, name: "rg1"}},
		{"CREATE SEQUENCE IF NOT EXISTS d.s START 3", metaDDL{action: model.ActionCreateSequence, db: "d", table: "s", ifExists: true, opts: " START 3"}},
		{"drop sequence `s`", metaDDL{action: model.ActionDropSequence, table: "s"}},
	}
	for _, c := range cases {
		got, ok := classifyMetaDDL(c.q)
		require.True(t, ok, c.q)
		require.Equal(t, c.want, got, c.q)
		require.Equal(t, stmtMetaDDL, classify(c.q).kind, c.q)
	}
	for _, q := range []string{"ALTER TABLE t ADD COLUMN cache int", "SELECT nextval(s) + 1", "SELECT 'alter table t cache'", "CREATE TABLE cache (id int)"} {
		_, ok := classifyMetaDDL(q)
		require.False(t, ok, q)
	}
}

// CACHE/NOCACHE are jobs without a DDL binlog (TiDB skips their binlog);
// rows of a cached table replicate as before.
func TestCacheTableJobsWithoutBinlog(t *testing.T) {
	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	mustExec(t, db, "CREATE DATABASE ct", "USE ct", "CREATE TABLE t (id int PRIMARY KEY)")
	f.waitPairs(t, 2)
	mustExec(t, db, "ALTER TABLE t CACHE", "INSERT INTO t VALUES (1)", "ALTER TABLE ct.t NOCACHE", "INSERT INTO t VALUES (2)")
	ps := prewrites(f.waitPairs(t, 4))
	require.Zero(t, ps[2].GetDdlJobId())
	require.Zero(t, ps[3].GetDdlJobId())
	js := jobs(t, s)
	require.Len(t, js, 4)
	require.Equal(t, model.ActionAlterCacheTable, js[2].Type)
	require.Equal(t, model.ActionAlterNoCacheTable, js[3].Type)
	require.Equal(t, js[1].TableID, js[2].TableID)
	require.Equal(t, "t", js[2].BinlogInfo.TableInfo.Name.O)
	require.Greater(t, js[3].BinlogInfo.SchemaVersion, js[2].BinlogInfo.SchemaVersion)
	_, err := db.Exec("ALTER TABLE nope CACHE")
	require.ErrorContains(t, err, "doesn't exist")
}

// Placement policies and resource groups are jobs of their own types with a
// DDL binlog, as TiDB writes them; the engine never sees them.
func TestPolicyAndResourceGroupJobs(t *testing.T) {
	s, f := startWithFakePumps(t)
	db := openDB(t, s, "")
	db.SetMaxOpenConns(1)
	steps := []struct {
		q    string
		want model.ActionType
	}{
		{"CREATE PLACEMENT POLICY p1 FOLLOWERS=4", model.ActionCreatePlacementPolicy},
		{"ALTER PLACEMENT POLICY p1 FOLLOWERS=2", model.ActionAlterPlacementPolicy},
		{"DROP PLACEMENT POLICY p1", model.ActionDropPlacementPolicy},
		{"CREATE RESOURCE GROUP rg1 RU_PER_SEC=1000", model.ActionCreateResourceGroup},
		{"ALTER RESOURCE GROUP rg1 RU_PER_SEC=2000", model.ActionAlterResourceGroup},
		{"DROP RESOURCE GROUP rg1", model.ActionDropResourceGroup},
	}
	for i, st := range steps {
		mustExec(t, db, st.q)
		ps := prewrites(f.waitPairs(t, i+1))
		js := jobs(t, s)
		job := js[len(js)-1]
		require.Equal(t, st.want, job.Type, st.q)
		require.Equal(t, job.ID, ps[i].GetDdlJobId(), st.q)
		require.Equal(t, st.q+";", string(ps[i].GetDdlQuery()))
		require.NotZero(t, job.SchemaID, st.q)
	}
	js := jobs(t, s)
	require.Equal(t, js[0].SchemaID, js[2].SchemaID, "the drop names the created policy")
	require.Equal(t, "p1", js[2].SchemaName)

	_, err := db.Exec("DROP PLACEMENT POLICY p1")
	requireCode(t, err, 8239)
	_, err = db.Exec("ALTER RESOURCE GROUP rg1 RU_PER_SEC=1")
	requireCode(t, err, 8249)
	mustExec(t, db, "DROP PLACEMENT POLICY IF EXISTS p1", "CREATE PLACEMENT POLICY p2 FOLLOWERS=1",
		"CREATE PLACEMENT POLICY IF NOT EXISTS p2 FOLLOWERS=3")
	_, err = db.Exec("CREATE PLACEMENT POLICY p2 FOLLOWERS=3")
	requireCode(t, err, 8238)
	require.Len(t, jobs(t, s), 7, "IF [NOT] EXISTS with nothing to do writes no job")
}

func requireCode(t *testing.T, err error, code uint16) {
	t.Helper()
	var me *mysql.MySQLError
	require.True(t, errors.As(err, &me), "%v", err)
	require.Equal(t, code, me.Number, me.Message)
}
