//go:build integration

package tests

import (
	"context"
	"database/sql"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

// TestHandStartedCluster does what a person does with the binaries: start
// pd-lite, a pump and tidb-lite, connect a MySQL client, create a table,
// insert rows and see SHOW PUMP STATUS list the pump; then it checks that the
// pump serves the DDL and the DML binlogs in commit order.
func TestHandStartedCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	pdl, err := testcluster.StartPDLite(ctx, binDir, dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pdl.Stop(10 * time.Second) })
	pump, err := testcluster.StartPump(ctx, binDir, dir, pdl, "pump-1", testcluster.PumpOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pump.Stop(15 * time.Second) })
	tidb, err := testcluster.StartTiDBLite(ctx, binDir, dir, pdl, "tidb-lite")
	require.NoError(t, err)
	t.Cleanup(func() { _ = tidb.Stop(15 * time.Second) })

	db, err := sql.Open("mysql", "root@tcp("+tidb.MySQLAddr+")/")
	require.NoError(t, err)
	defer db.Close()
	for _, q := range []string{
		"CREATE DATABASE shop",
		"CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(32), price DECIMAL(10,2))",
		"INSERT INTO shop.items VALUES (1, 'apple', 1.50), (2, 'pear', 2.25)",
		"UPDATE shop.items SET price = 1.75 WHERE id = 1",
	} {
		_, err := db.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}

	rows, err := db.QueryContext(ctx, "SHOW PUMP STATUS")
	require.NoError(t, err)
	cols, err := rows.Columns()
	require.NoError(t, err)
	require.Equal(t, []string{"NodeID", "Address", "State", "Max_Commit_Ts", "Update_Time"}, cols)
	var found bool
	for rows.Next() {
		var id, addr, state, updated string
		var maxTS int64
		require.NoError(t, rows.Scan(&id, &addr, &state, &maxTS, &updated))
		if id == "pump-1" {
			found = true
			require.Equal(t, pump.Addr, addr)
			require.Equal(t, "online", state)
		}
	}
	require.NoError(t, rows.Err())
	require.True(t, found, "SHOW PUMP STATUS does not list the pump")

	// The pump serves 2 CREATE DDLs, then the INSERT and the UPDATE.
	pdc, err := pd.NewClient(ctx, []string{pdl.URL}, security.Config{}, zap.NewNop())
	require.NoError(t, err)
	defer pdc.Close()
	conn, err := grpc.NewClient(pump.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	pullCtx, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	stream, err := binlogpb.NewPumpClient(conn).PullBinlogs(pullCtx, &binlogpb.PullBinlogReq{ClusterID: pdc.ClusterID(), StartFrom: &binlogpb.Pos{}})
	require.NoError(t, err)
	var ddls, dmls int
	var last int64
	for ddls < 2 || dmls < 2 {
		resp, err := stream.Recv()
		require.NoError(t, err, "got %d DDL and %d DML binlogs", ddls, dmls)
		var b binlogpb.Binlog
		require.NoError(t, proto.Unmarshal(resp.GetEntity().GetPayload(), &b))
		require.Greater(t, b.GetCommitTs(), last)
		last = b.GetCommitTs()
		switch {
		case b.IsFake():
		case b.GetDdlJobId() > 0:
			require.Equal(t, 0, dmls, "DDLs come before the DML")
			ddls++
		default:
			var pv binlogpb.PrewriteValue
			require.NoError(t, proto.Unmarshal(b.GetPrewriteValue(), &pv))
			require.Len(t, pv.GetMutations(), 1)
			dmls++
		}
	}
}
