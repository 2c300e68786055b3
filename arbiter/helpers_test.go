package arbiter

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap/zaptest"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

const topic = "3_obinlog"

// env is a kfake topic, a MariaDB test database and a checkpoint schema.
type env struct {
	t       *testing.T
	cluster *kfake.Cluster
	addr    string
	db      *sql.DB
	dbName  string
	cpName  string
	ts      int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	require.NoError(t, err)
	t.Cleanup(c.Close)
	db, err := loader.OpenDB(loader.DBConfig{Host: "127.0.0.1", Port: 3306, User: "root"})
	require.NoError(t, err)
	n := rand.Uint64() % 1_000_000_000
	e := &env{t: t, cluster: c, addr: c.ListenAddrs()[0], db: db,
		dbName: fmt.Sprintf("arbiter_test_%d", n), cpName: fmt.Sprintf("arbiter_test_cp_%d", n), ts: 1000 << 18}
	t.Cleanup(func() {
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + e.dbName)
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + e.cpName)
		_ = db.Close()
	})
	return e
}

func (e *env) config() *Config {
	cfg := DefaultConfig()
	cfg.Up.KafkaAddrs = e.addr
	cfg.Up.Topic = topic
	cfg.Down.Host = "127.0.0.1"
	cfg.Down.WorkerCount = 4
	return cfg
}

func (e *env) deps() Deps {
	return Deps{Logger: zaptest.NewLogger(e.t), CheckpointSchema: e.cpName, SaveInterval: 50 * time.Millisecond}
}

// next is a fresh, increasing commit ts.
func (e *env) next() int64 {
	e.ts += 1 << 18
	return e.ts
}

func (e *env) produce(values ...[]byte) {
	e.t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V0_11_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewSyncProducer([]string{e.addr}, cfg)
	require.NoError(e.t, err)
	defer func() { require.NoError(e.t, p.Close()) }()
	for _, v := range values {
		_, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: 0, Value: sarama.ByteEncoder(v)})
		require.NoError(e.t, err)
	}
}

func marshal(t testing.TB, b *secondarypb.Binlog) []byte {
	data, err := proto.Marshal(b)
	require.NoError(t, err)
	return data
}

func (e *env) ddl(ts int64, table, query string) []byte {
	return marshal(e.t, &secondarypb.Binlog{Type: secondarypb.BinlogType_DDL.Enum(), CommitTs: proto.Int64(ts),
		DdlData: &secondarypb.DDLData{SchemaName: proto.String(e.dbName), TableName: proto.String(table), DdlQuery: []byte(query)}})
}

// setup is the DDLs creating the database and t(id int primary key, v varchar(32)).
func (e *env) setup() [][]byte {
	return [][]byte{
		e.ddl(e.next(), "", fmt.Sprintf("CREATE DATABASE `%s`", e.dbName)),
		e.ddl(e.next(), "t", "CREATE TABLE t(id INT PRIMARY KEY, v VARCHAR(32))"),
	}
}

func row(id int64, v string) *secondarypb.Row {
	return &secondarypb.Row{Columns: []*secondarypb.Column{{Int64Value: proto.Int64(id)}, {StringValue: proto.String(v)}}}
}

// dml is one transaction of mutations on t.
func (e *env) dml(ts int64, muts ...*secondarypb.TableMutation) []byte {
	tbl := &secondarypb.Table{SchemaName: proto.String(e.dbName), TableName: proto.String("t"),
		ColumnInfo: []*secondarypb.ColumnInfo{
			{Name: proto.String("id"), MysqlType: proto.String("int"), IsPrimaryKey: proto.Bool(true), Flen: proto.Int32(11), Decimal: proto.Int32(0)},
			{Name: proto.String("v"), MysqlType: proto.String("varchar"), IsPrimaryKey: proto.Bool(false), Flen: proto.Int32(32), Decimal: proto.Int32(0)},
		},
		UniqueKeys: []*secondarypb.Key{{Name: proto.String("PRIMARY"), ColumnNames: []string{"id"}}},
		Mutations:  muts}
	return marshal(e.t, &secondarypb.Binlog{Type: secondarypb.BinlogType_DML.Enum(), CommitTs: proto.Int64(ts),
		DmlData: &secondarypb.DMLData{Tables: []*secondarypb.Table{tbl}}})
}

func insert(id int64, v string) *secondarypb.TableMutation {
	return &secondarypb.TableMutation{Type: secondarypb.MutationType_Insert.Enum(), Row: row(id, v)}
}

func update(id int64, old, v string) *secondarypb.TableMutation {
	return &secondarypb.TableMutation{Type: secondarypb.MutationType_Update.Enum(), Row: row(id, v), ChangeRow: row(id, old)}
}

func del(id int64, v string) *secondarypb.TableMutation {
	return &secondarypb.TableMutation{Type: secondarypb.MutationType_Delete.Enum(), Row: row(id, v)}
}

// rows is the content of t as id=v pairs.
func (e *env) rows() map[int64]string {
	e.t.Helper()
	rs, err := e.db.Query(fmt.Sprintf("SELECT id, v FROM `%s`.t", e.dbName))
	if err != nil {
		return nil
	}
	defer rs.Close()
	out := map[int64]string{}
	for rs.Next() {
		var id int64
		var v string
		require.NoError(e.t, rs.Scan(&id, &v))
		out[id] = v
	}
	require.NoError(e.t, rs.Err())
	return out
}

func (e *env) checkpoint() (int64, Status) {
	e.t.Helper()
	var ts int64
	var st Status
	err := e.db.QueryRow(fmt.Sprintf("SELECT ts, status FROM `%s`.arbiter_checkpoint WHERE topic_name = ?", e.cpName), topic).Scan(&ts, &st)
	require.NoError(e.t, err)
	return ts, st
}

// start runs an arbiter; stop cancels it and returns Run's error.
func (e *env) start(cfg *Config, deps Deps) (a *Arbiter, stop func() error) {
	e.t.Helper()
	a, err := New(cfg, deps)
	require.NoError(e.t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	return a, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(60 * time.Second):
			e.t.Fatal("arbiter did not stop")
			return nil
		}
	}
}
