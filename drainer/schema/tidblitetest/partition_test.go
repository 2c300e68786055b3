package tidblitetest

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/drainer/schema"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
)

// The schema built from tidb-lite's partition jobs maps every partition ID
// to its table, and the IDs a TRUNCATE PARTITION or DROP PARTITION replaced
// are gone (truncated ones are dropped rows, not errors); FLASHBACK TABLE
// brings a truncated partitioned table back with its partition IDs.
func TestPartitionJobsFromTiDBLite(t *testing.T) {
	pd := pdlitetest.Start(t)
	cli, err := registry.NewEtcdClient([]string{pd.ClientURL()}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cli.Close() })
	tl := startTiDBLite(t, pd.ClientURL())
	db, err := sql.Open("mysql", "root@tcp("+tl.Addr()+")/")
	require.NoError(t, err)
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		"CREATE DATABASE pt",
		"CREATE TABLE pt.r (a int) PARTITION BY RANGE (a) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN (20))",
		"ALTER TABLE pt.r ADD PARTITION (PARTITION p2 VALUES LESS THAN (30))",
		"ALTER TABLE pt.r TRUNCATE PARTITION p1",
		"ALTER TABLE pt.r DROP PARTITION p0",
		"CREATE TABLE pt.h (a int) PARTITION BY HASH (a) PARTITIONS 2",
		"TRUNCATE TABLE pt.h",
		"FLASHBACK TABLE pt.h TO h_old",
	} {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
	h := schema.NewHistory(schema.TopologyURLs(registry.New(cli, nil), false), nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	jobs, err := h.AllJobs(ctx)
	require.NoError(t, err)
	byType := map[model.ActionType]*model.Job{}
	var created []*model.Job
	for _, j := range jobs {
		byType[j.Type] = j
		if j.Type == model.ActionCreateTable {
			created = append(created, j)
		}
	}
	require.Len(t, created, 2)
	s, err := schema.New(jobs, nil)
	require.NoError(t, err)
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(jobs[len(jobs)-1].SchemaVersion()))

	r := byType[model.ActionDropTablePartition].BinlogInfo.TableInfo
	require.Len(t, r.PartitionIDs(), 2)
	for _, id := range r.PartitionIDs() {
		require.Equal(t, "pt.r", name(t, s, id))
	}
	p0, p1 := created[0].BinlogInfo.TableInfo.PartitionIDs()[0], created[0].BinlogInfo.TableInfo.PartitionIDs()[1]
	require.Empty(t, name(t, s, p0))
	require.Empty(t, name(t, s, p1))
	require.True(t, s.IsTruncateTableID(p1))

	old := created[1].BinlogInfo.TableInfo
	for _, id := range append([]int64{old.ID}, old.PartitionIDs()...) {
		require.False(t, s.IsTruncateTableID(id))
		require.Equal(t, "pt.h_old", name(t, s, id))
	}
	newH := byType[model.ActionTruncateTable].BinlogInfo.TableInfo
	require.Equal(t, "pt.h", name(t, s, newH.PartitionIDs()[1]))
}
