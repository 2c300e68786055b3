package arbiter

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/kafkareader"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/pkg/testutil"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

// The loader's sysbench workload (pkg/loader/loaderbench): 200,000 rows
// inserted as 20,000 transactions of 10 into (id BIGINT PRIMARY KEY, k INT,
// c VARCHAR(120), pad VARCHAR(60)), applied by 16 workers in batches of 20.
// Run the benchmarks with -benchtime 1x: one op is the whole workload.
const (
	benchTxns       = 20_000
	benchRowsPerTxn = 10
	benchRows       = benchTxns * benchRowsPerTxn
	benchWorkers    = 16
	benchBatch      = 20
)

// benchBinlogs is the workload as the Kafka sink writes it, one secondary
// binlog a transaction, a millisecond apart: the first n transactions.
func benchBinlogs(schema string, n int) [][]byte {
	r := rand.New(rand.NewPCG(13, 13))
	info := func(name, tp string, flen int32) *secondarypb.ColumnInfo {
		return &secondarypb.ColumnInfo{Name: proto.String(name), MysqlType: proto.String(tp),
			IsPrimaryKey: proto.Bool(name == "id"), Flen: proto.Int32(flen), Decimal: proto.Int32(0)}
	}
	infos := []*secondarypb.ColumnInfo{info("id", "bigint", 20), info("k", "int", 11),
		info("c", "varchar", 120), info("pad", "varchar", 60)}
	out := make([][]byte, 0, n)
	for i := range n {
		tbl := &secondarypb.Table{SchemaName: proto.String(schema), TableName: proto.String("sbtest"), ColumnInfo: infos,
			UniqueKeys: []*secondarypb.Key{{Name: proto.String("PRIMARY"), ColumnNames: []string{"id"}}}}
		for j := range benchRowsPerTxn {
			row := &secondarypb.Row{Columns: []*secondarypb.Column{
				{Int64Value: proto.Int64(int64(i*benchRowsPerTxn + j + 1))},
				{Int64Value: proto.Int64(int64(r.IntN(benchRows) + 1))},
				{StringValue: proto.String(testutil.SysbenchDigits(r, 10))},
				{StringValue: proto.String(testutil.SysbenchDigits(r, 5))},
			}}
			tbl.Mutations = append(tbl.Mutations, &secondarypb.TableMutation{Type: secondarypb.MutationType_Insert.Enum(), Row: row})
		}
		b, err := proto.Marshal(&secondarypb.Binlog{Type: secondarypb.BinlogType_DML.Enum(),
			CommitTs: proto.Int64(benchTS(i)), DmlData: &secondarypb.DMLData{Tables: []*secondarypb.Table{tbl}}})
		if err != nil {
			panic(err)
		}
		out = append(out, b)
	}
	return out
}

func benchTS(i int) int64 { return (1_700_000_000_000 + int64(i)) << 18 }

// maxBenchN refuses a -benchtime meant for small ops (the old "6000x"
// would have run the whole workload 6000 times).
func maxBenchN(b *testing.B) {
	if b.N > 5 {
		b.Skipf("b.N = %d: one op is the whole %d-row workload, run with -benchtime 1x (or -count)", b.N, benchRows)
	}
}

// benchDB is a MariaDB database for the benchmark's table.
type benchDB struct {
	db     *sql.DB
	schema string
}

func newBenchDB(b *testing.B) *benchDB {
	db, err := loader.OpenDB(loader.DBConfig{Host: "127.0.0.1", Port: 3306, User: "root"})
	if err != nil {
		b.Fatal(err)
	}
	d := &benchDB{db: db, schema: fmt.Sprintf("arbiter_bench_%d", rand.Uint32())}
	d.exec(b, "CREATE DATABASE "+d.schema)
	b.Cleanup(func() {
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + d.schema)
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + d.schema + "_cp")
		_ = db.Close()
	})
	return d
}

func (d *benchDB) exec(b *testing.B, q string) {
	if _, err := d.db.Exec(q); err != nil {
		b.Fatal(err)
	}
}

// reset empties the table and the arbiter's checkpoint: a first start.
func (d *benchDB) reset(b *testing.B) {
	d.exec(b, "DROP TABLE IF EXISTS "+d.schema+".sbtest")
	d.exec(b, "CREATE TABLE "+d.schema+".sbtest (id BIGINT PRIMARY KEY, k INT, c VARCHAR(120), pad VARCHAR(60))")
	d.exec(b, "DROP DATABASE IF EXISTS "+d.schema+"_cp")
}

func (d *benchDB) check(b *testing.B) {
	var n int
	if err := d.db.QueryRow("SELECT COUNT(*) FROM " + d.schema + ".sbtest").Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n != benchRows {
		b.Fatalf("%d rows downstream, want %d", n, benchRows)
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
	pm := make([]*sarama.ProducerMessage, 0, len(msgs))
	for _, m := range msgs {
		pm = append(pm, &sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(m)})
	}
	if err := p.SendMessages(pm); err != nil {
		b.Fatal(err)
	}
}

// usage is what one run cost: wall time, this process's CPU, the child
// broker's CPU and this process's heap allocations.
type usage struct {
	wall, cpu, broker time.Duration
	mallocs           uint64
}

func mallocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs
}

// measure starts the timer and returns a function that stops it and adds
// the cost to u.
func measure(b *testing.B, br *benchBroker, u *usage) func() {
	runtime.GC()
	m0, c0, bc0 := mallocs(), selfCPU(), br.cpu()
	start := time.Now()
	b.StartTimer()
	return func() {
		b.StopTimer()
		u.wall += time.Since(start)
		u.cpu += selfCPU() - c0
		u.broker += br.cpu() - bc0
		u.mallocs += mallocs() - m0
	}
}

func (u usage) report(b *testing.B) {
	rows := float64(b.N * benchRows)
	b.ReportMetric(rows/u.wall.Seconds(), "rows/s")
	b.ReportMetric(float64(u.cpu.Microseconds())/rows, "cpu-µs/row")
	b.ReportMetric(float64(u.mallocs)/rows, "allocs/row")
}

// BenchmarkArbiterRows: arbiter applying the workload from a topic into
// MariaDB, from a first start (no checkpoint) to the last transaction
// applied, with the defaults but batch-size 20 (the loader's). rows/s
// counts the start-up (downstream and Kafka connections, checkpoint table,
// sarama's first fetch), rows/s-after-start does not: startup-ms is from
// Run to the first transaction applied. cpu-µs/row is this process's CPU.
// The
// broker runs in a child process (as in a deployment: its CPU is
// broker-cpu-µs/row) or in this process (its CPU and garbage count as the
// arbiter's).
func BenchmarkArbiterRows(b *testing.B) {
	for _, child := range []bool{true, false} {
		name := "broker=child"
		if !child {
			name = "broker=in-process"
		}
		b.Run(name, func(b *testing.B) { benchArbiter(b, child) })
	}
}

func benchArbiter(b *testing.B, child bool) {
	maxBenchN(b)
	b.StopTimer()
	br, err := startBroker(child)
	if err != nil {
		b.Fatal(err)
	}
	defer br.close()
	d := newBenchDB(b)
	benchProduce(b, br.addr, benchBinlogs(d.schema, benchTxns))
	var u usage
	var startup time.Duration
	for range b.N {
		d.reset(b)
		cfg := DefaultConfig()
		cfg.Up.KafkaAddrs, cfg.Up.Topic, cfg.Down.Host = br.addr, topic, "127.0.0.1"
		cfg.Down.WorkerCount, cfg.Down.BatchSize = benchWorkers, benchBatch
		a, err := New(cfg, Deps{CheckpointSchema: d.schema + "_cp"})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		stop := measure(b, br, &u)
		began := time.Now()
		go func() { done <- a.Run(ctx) }()
		first := waitApplied(b, a, benchTS(benchTxns-1), done)
		stop()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		startup += first.Sub(began)
		d.check(b)
	}
	u.report(b)
	rows := float64(b.N * benchRows)
	b.ReportMetric(rows/(u.wall-startup).Seconds(), "rows/s-after-start")
	b.ReportMetric(float64(startup.Milliseconds())/float64(b.N), "startup-ms")
	if child {
		b.ReportMetric(float64(u.broker.Microseconds())/rows, "broker-cpu-µs/row")
	}
}

// waitApplied polls until a has applied the transaction of commit ts last
// and returns when it had applied the first. Every 5 ms: a poll every
// millisecond cost this process ~0.3 µs of CPU a row, which
// BenchmarkLoaderRows does not pay.
func waitApplied(b *testing.B, a *Arbiter, last int64, done chan error) (first time.Time) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for ts := a.FinishTS(); ts != last; ts = a.FinishTS() {
		if ts != 0 && first.IsZero() {
			first = time.Now()
		}
		select {
		case err := <-done:
			b.Fatalf("arbiter stopped: %v", err)
		case <-tick.C:
		}
	}
	if first.IsZero() {
		first = time.Now()
	}
	return first
}

// BenchmarkLoaderRows: the same transactions, already decoded and
// translated, straight into pkg/loader (the reference for
// BenchmarkArbiterRows), timed from Run to its return.
func BenchmarkLoaderRows(b *testing.B) {
	maxBenchN(b)
	b.StopTimer()
	d := newBenchDB(b)
	var u usage
	for range b.N {
		d.reset(b)
		txns := make([]*loader.Txn, 0, benchTxns)
		for _, m := range benchBinlogs(d.schema, benchTxns) {
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
		opts := loader.DefaultOptions()
		opts.WorkerCount, opts.BatchSize = benchWorkers, benchBatch
		ld, err := loader.New(d.db, opts)
		if err != nil {
			b.Fatal(err)
		}
		stop := measure(b, &benchBroker{}, &u)
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
		stop()
		d.check(b)
	}
	u.report(b)
}
