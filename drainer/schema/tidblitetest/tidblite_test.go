package tidblitetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/drainer/schema"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/tidblite"
)

func startTiDBLite(t *testing.T, pdURL string) *tidblite.Server {
	t.Helper()
	cfg := tidblite.DefaultConfig()
	cfg.Addr, cfg.StatusAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.PDURLs = []string{pdURL}
	cfg.TopologyTTL = 5 * time.Second
	s, err := tidblite.Start(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestHistoryAgainstTiDBLite(t *testing.T) {
	pd := pdlitetest.Start(t)
	cli, err := registry.NewEtcdClient([]string{pd.ClientURL()}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cli.Close() })
	first := startTiDBLite(t, pd.ClientURL())
	second := startTiDBLite(t, pd.ClientURL())

	db, err := sql.Open("mysql", "root@tcp("+first.Addr()+")/")
	require.NoError(t, err)
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		"CREATE DATABASE schema_test",
		"CREATE TABLE schema_test.t (id int primary key, a varchar(10))",
		"CREATE TABLE schema_test.u (id int primary key)",
		"ALTER TABLE schema_test.t ADD COLUMN b int DEFAULT 7",
		"TRUNCATE TABLE schema_test.t",
		"ALTER TABLE schema_test.t DROP COLUMN a",
		"USE schema_test",
		"RENAME TABLE t TO t2",
		"DROP TABLE schema_test.u",
	} {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}

	src := schema.TopologyURLs(registry.New(cli, nil), false)
	urls, err := src.StatusURLs(context.Background())
	require.NoError(t, err)
	require.ElementsMatch(t, []string{first.StatusURL(), second.StatusURL()}, urls)

	h := schema.NewHistory(src, nil, schema.WithPageSize(3))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	jobs, err := h.AllJobs(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(jobs), 8)
	byType := map[model.ActionType]*model.Job{}
	for i, j := range jobs {
		if i > 0 {
			require.Less(t, jobs[i-1].SchemaVersion(), j.SchemaVersion())
		}
		byType[j.Type] = j
		got, err := h.Job(ctx, j.ID)
		require.NoError(t, err)
		want, _ := json.Marshal(j)
		have, _ := json.Marshal(got)
		require.JSONEq(t, string(want), string(have))
	}
	for _, tp := range []model.ActionType{model.ActionCreateSchema, model.ActionCreateTable, model.ActionAddColumn,
		model.ActionTruncateTable, model.ActionDropColumn, model.ActionRenameTable, model.ActionDropTable} {
		require.Contains(t, byType, tp, tp.String())
	}

	// the schema built from it agrees with tidb-lite's
	s, err := schema.New(jobs, nil)
	require.NoError(t, err)
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(jobs[len(jobs)-1].SchemaVersion()))
	truncate := byType[model.ActionTruncateTable]
	require.True(t, s.IsTruncateTableID(truncate.TableID))
	newID := truncate.BinlogInfo.TableInfo.ID
	require.Equal(t, "schema_test.t2", name(t, s, newID))
	ti, ok := s.TableByID(newID)
	require.True(t, ok)
	require.Len(t, ti.Columns, 2) // id, b
	require.Nil(t, ti.FindColumnByName("a"))
	_, ok = s.TableByID(byType[model.ActionDropTable].TableID)
	require.False(t, ok)

	// a TiDB that leaves the topology is no longer asked
	require.NoError(t, first.Close())
	urls, err = src.StatusURLs(context.Background())
	require.NoError(t, err)
	require.Equal(t, []string{second.StatusURL()}, urls)
	job, err := h.Job(ctx, truncate.ID)
	require.NoError(t, err)
	require.Equal(t, model.ActionTruncateTable, job.Type)
}

func name(t *testing.T, s *schema.Schema, id int64) string {
	t.Helper()
	db, tb, ok := s.SchemaAndTableName(id)
	if !ok {
		return ""
	}
	return db + "." + tb
}
