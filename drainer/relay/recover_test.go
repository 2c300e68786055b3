package relay

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/openbinlog/tidb-binlog/drainer/checkpoint"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	_ "github.com/go-sql-driver/mysql"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func mariaDB(t *testing.T) (*sql.DB, string) {
	t.Helper()
	db, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/?interpolateParams=true")
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, db.Ping(), "MariaDB on 127.0.0.1:3306 (scripts/ensure-mariadb.sh)")
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "relay_test_" + hex.EncodeToString(b)
	_, err = db.Exec("create database " + schema)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = db.Exec("drop database if exists " + schema) })
	return db, schema
}

func kv(schema string, ts int64, muts ...*secondarypb.TableMutation) *secondarypb.Binlog {
	return &secondarypb.Binlog{
		Type:     secondarypb.BinlogType_DML.Enum(),
		CommitTs: proto.Int64(ts),
		DmlData: &secondarypb.DMLData{Tables: []*secondarypb.Table{{
			SchemaName: proto.String(schema), TableName: proto.String("kv"),
			ColumnInfo: []*secondarypb.ColumnInfo{
				{Name: proto.String("k"), MysqlType: proto.String("int"), IsPrimaryKey: proto.Bool(true)},
				{Name: proto.String("v"), MysqlType: proto.String("varchar")},
			},
			Mutations: muts,
		}}},
	}
}

func kvRow(k int64, v string) *secondarypb.Row {
	return &secondarypb.Row{Columns: []*secondarypb.Column{{Int64Value: proto.Int64(k)}, {StringValue: proto.String(v)}}}
}

func mut(tp secondarypb.MutationType, r, old *secondarypb.Row) *secondarypb.TableMutation {
	return &secondarypb.TableMutation{Type: tp.Enum(), Row: r, ChangeRow: old}
}

func TestRecoverAppliesAfterCheckpointAndSavesConsistent(t *testing.T) {
	db, schema := mariaDB(t)
	dir := t.TempDir()
	r, err := NewRelayer(dir, Options{MaxFileSize: 200})
	require.NoError(t, err)
	create := &secondarypb.Binlog{Type: secondarypb.BinlogType_DDL.Enum(), CommitTs: proto.Int64(10),
		DdlData: &secondarypb.DDLData{SchemaName: proto.String(schema), TableName: proto.String("kv"),
			DdlQuery: []byte("create table kv(k int primary key, v varchar(20))")}}
	for _, b := range []*secondarypb.Binlog{
		create,
		kv(schema, 20, mut(secondarypb.MutationType_Insert, kvRow(1, "a"), nil), mut(secondarypb.MutationType_Insert, kvRow(2, "b"), nil)),
		kv(schema, 30, mut(secondarypb.MutationType_Update, kvRow(1, "A"), kvRow(1, "a"))),
		kv(schema, 40, mut(secondarypb.MutationType_Delete, kvRow(2, "b"), nil), mut(secondarypb.MutationType_Insert, kvRow(3, "c"), nil)),
	} {
		_, err := r.WriteBinlog(b)
		require.NoError(t, err)
	}
	require.NoError(t, r.Close())

	// The downstream got the DDL and the first insert (checkpoint 20), then
	// the upstream went away.
	_, err = db.Exec("create table " + schema + ".kv(k int primary key, v varchar(20))")
	require.NoError(t, err)
	_, err = db.Exec("insert into " + schema + ".kv values (1, 'a'), (2, 'b')")
	require.NoError(t, err)
	cp, err := checkpoint.NewFile(filepath.Join(t.TempDir(), "savepoint"))
	require.NoError(t, err)
	require.NoError(t, cp.Save(20, 0, false, 3))

	down, err := loader.OpenDB(loader.DBConfig{Host: "127.0.0.1", Port: 3306, User: "root"})
	require.NoError(t, err)
	defer func() { _ = down.Close() }()
	newLoader := func() *loader.Loader {
		opts := loader.DefaultOptions()
		opts.WorkerCount = 2
		ld, err := loader.New(down, opts)
		require.NoError(t, err)
		return ld
	}
	ts, err := Recover(context.Background(), dir, cp, newLoader(), nil)
	require.NoError(t, err)
	require.EqualValues(t, 40, ts)
	require.True(t, cp.IsConsistent())
	require.EqualValues(t, 40, cp.TS())
	require.EqualValues(t, 3, cp.SchemaVersion())

	rows, err := db.Query("select k, v from " + schema + ".kv order by k")
	require.NoError(t, err)
	defer func() { _ = rows.Close() }()
	got := map[int]string{}
	for rows.Next() {
		var k int
		var v string
		require.NoError(t, rows.Scan(&k, &v))
		got[k] = v
	}
	require.NoError(t, rows.Err())
	require.Equal(t, map[int]string{1: "A", 3: "c"}, got)

	// Consistent now: nothing is applied again.
	ts, err = Recover(context.Background(), dir, cp, newLoader(), nil)
	require.NoError(t, err)
	require.EqualValues(t, 40, ts)
}

func TestRecoverFailureKeepsCheckpoint(t *testing.T) {
	_, schema := mariaDB(t)
	dir := t.TempDir()
	r, err := NewRelayer(dir, Options{})
	require.NoError(t, err)
	_, err = r.WriteBinlog(&secondarypb.Binlog{Type: secondarypb.BinlogType_DDL.Enum(), CommitTs: proto.Int64(10),
		DdlData: &secondarypb.DDLData{SchemaName: proto.String(schema), DdlQuery: []byte("create tabel oops")}})
	require.NoError(t, err)
	require.NoError(t, r.Close())
	cp, err := checkpoint.NewFile(filepath.Join(t.TempDir(), "savepoint"), checkpoint.WithInitialCommitTS(5))
	require.NoError(t, err)

	down, err := loader.OpenDB(loader.DBConfig{Host: "127.0.0.1", Port: 3306, User: "root"})
	require.NoError(t, err)
	defer func() { _ = down.Close() }()
	ld, err := loader.New(down, loader.DefaultOptions())
	require.NoError(t, err)
	_, err = Recover(context.Background(), dir, cp, ld, nil)
	require.Error(t, err)
	require.False(t, cp.IsConsistent())
	require.EqualValues(t, 5, cp.TS())
}
