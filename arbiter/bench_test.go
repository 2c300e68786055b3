package arbiter

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kfake"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/kafkareader"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

const benchRowsPerTxn = 10

// sbRow is a sysbench oltp row: id, k, c CHAR(120), pad CHAR(60).
func sbRow(id int64) *secondarypb.Row {
	return &secondarypb.Row{Columns: []*secondarypb.Column{
		{Int64Value: proto.Int64(id)}, {Int64Value: proto.Int64(id % 1000)},
		{StringValue: proto.String(strings.Repeat(fmt.Sprintf("%011d-", id), 10)[:119])},
		{StringValue: proto.String(strings.Repeat("p", 59))},
	}}
}

func sbBinlog(db string, ts, first int64) []byte {
	info := func(n, tp string) *secondarypb.ColumnInfo {
		return &secondarypb.ColumnInfo{Name: proto.String(n), MysqlType: proto.String(tp), IsPrimaryKey: proto.Bool(n == "id"),
			Flen: proto.Int32(0), Decimal: proto.Int32(0)}
	}
	tbl := &secondarypb.Table{SchemaName: proto.String(db), TableName: proto.String("sbtest1"),
		ColumnInfo: []*secondarypb.ColumnInfo{info("id", "int"), info("k", "int"), info("c", "char"), info("pad", "char")},
		UniqueKeys: []*secondarypb.Key{{Name: proto.String("PRIMARY"), ColumnNames: []string{"id"}}}}
	for i := range int64(benchRowsPerTxn) {
		tbl.Mutations = append(tbl.Mutations, &secondarypb.TableMutation{Type: secondarypb.MutationType_Insert.Enum(), Row: sbRow(first + i)})
	}
	b, err := proto.Marshal(&secondarypb.Binlog{Type: secondarypb.BinlogType_DML.Enum(), CommitTs: proto.Int64(ts),
		DmlData: &secondarypb.DMLData{Tables: []*secondarypb.Table{tbl}}})
	if err != nil {
		panic(err)
	}
	return b
}

// benchEnv is a kfake topic of b.N sysbench insert transactions and an
// empty sbtest1 table in MariaDB.
func benchEnv(b *testing.B) (addr, db string, msgs [][]byte, cleanup func()) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	if err != nil {
		b.Fatal(err)
	}
	down, err := loader.OpenDB(loader.DBConfig{Host: "127.0.0.1", Port: 3306, User: "root"})
	if err != nil {
		b.Fatal(err)
	}
	db = fmt.Sprintf("arbiter_test_bench_%d", time.Now().UnixNano()%1e9)
	for _, q := range []string{"CREATE DATABASE " + db,
		"CREATE TABLE " + db + ".sbtest1(id INT PRIMARY KEY, k INT NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '', KEY k_1(k))"} {
		if _, err := down.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	for i := range b.N {
		msgs = append(msgs, sbBinlog(db, int64(i+1)<<18, int64(i*benchRowsPerTxn)))
	}
	return c.ListenAddrs()[0], db, msgs, func() {
		_, _ = down.Exec("DROP DATABASE IF EXISTS " + db)
		_, _ = down.Exec("DROP DATABASE IF EXISTS " + db + "_cp")
		_ = down.Close()
		c.Close()
	}
}

func benchProduce(b *testing.B, addr string, msgs [][]byte) {
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V0_11_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewSyncProducer([]string{addr}, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	var pm []*sarama.ProducerMessage
	for _, m := range msgs {
		pm = append(pm, &sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(m)})
	}
	if err := p.SendMessages(pm); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkArbiterRows: sysbench inserts from the topic into MariaDB
// (rows/s).
func BenchmarkArbiterRows(b *testing.B) {
	addr, db, msgs, cleanup := benchEnv(b)
	defer cleanup()
	benchProduce(b, addr, msgs)
	cfg := DefaultConfig()
	cfg.Up.KafkaAddrs, cfg.Up.Topic, cfg.Down.Host, cfg.Down.BatchSize = addr, topic, "127.0.0.1", 20
	cfg.Up.MessageBufferSize = 1024
	a, err := New(cfg, Deps{CheckpointSchema: db + "_cp"})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	b.ResetTimer()
	go func() { done <- a.Run(ctx) }()
	last := int64(b.N) << 18
	for a.FinishTS() != last {
		select {
		case err := <-done:
			b.Fatal(err)
		case <-time.After(time.Millisecond):
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*benchRowsPerTxn)/b.Elapsed().Seconds(), "rows/s")
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLoaderRows: the same transactions straight into pkg/loader (the
// reference for BenchmarkArbiterRows).
func BenchmarkLoaderRows(b *testing.B) {
	_, _, msgs, cleanup := benchEnv(b)
	defer cleanup()
	var txns []*loader.Txn
	for _, m := range msgs {
		bl, err := kafkareader.Decode(m)
		if err != nil {
			b.Fatal(err)
		}
		txn, err := loader.SecondaryBinlogToTxn(bl)
		if err != nil {
			b.Fatal(err)
		}
		txns = append(txns, txn)
	}
	down, err := loader.OpenDB(loader.DBConfig{Host: "127.0.0.1", Port: 3306, User: "root"})
	if err != nil {
		b.Fatal(err)
	}
	defer down.Close()
	opts := loader.DefaultOptions()
	opts.BatchSize = 20
	ld, err := loader.New(down, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	done := make(chan error, 1)
	go func() { done <- ld.Run(context.Background()) }()
	go func() {
		for _, txn := range txns {
			ld.Input() <- txn
		}
		close(ld.Input())
	}()
	for range ld.Successes() { //nolint:revive // drain
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N*benchRowsPerTxn)/b.Elapsed().Seconds(), "rows/s")
}
