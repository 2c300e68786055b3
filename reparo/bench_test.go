package reparo

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// The loader's sysbench-like workload: 200,000 rows inserted as 20,000
// transactions of 10 rows into (id BIGINT PRIMARY KEY, k INT, c
// VARCHAR(120), pad VARCHAR(60)).
const (
	benchTxns       = 20_000
	benchRowsPerTxn = 10
)

func benchBinlogs(b *testing.B, schema string) []*filepb.Binlog {
	b.Helper()
	out := make([]*filepb.Binlog, 0, benchTxns)
	id := int64(0)
	for i := range benchTxns {
		evs := make([]*filepb.Event, 0, benchRowsPerTxn)
		for range benchRowsPerTxn {
			id++
			r := sbRow{id: id, k: id % 1000, c: fmt.Sprintf("%0119d", id), pad: fmt.Sprintf("%059d", id)}
			evs = append(evs, event(b, schema, "sbtest", filepb.EventType_Insert, r.cols()...))
		}
		// One transaction a millisecond.
		out = append(out, dmlBinlog((1_700_000_000_000+int64(i))<<physicalShiftBits, evs...))
	}
	return out
}

func benchTable(b *testing.B, db *sql.DB, schema string) {
	b.Helper()
	_, err := db.Exec(fmt.Sprintf("DROP TABLE IF EXISTS `%s`.`sbtest`", schema))
	require.NoError(b, err)
	_, err = db.Exec(fmt.Sprintf(sbCreate, schema+"`.`sbtest"))
	require.NoError(b, err)
}

// processCPU returns the CPU time (user and system) this process used so
// far: the client's share of the two cores it shares with MariaDB.
func processCPU(b *testing.B) time.Duration {
	b.Helper()
	var ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// freshHeap collects the setup's garbage (the workload built in memory) and
// returns it to the system before a timed run, as a restore process starts
// without it: otherwise the run pays for collecting and scavenging it.
func freshHeap() { debug.FreeOSMemory() }

// runMeter adds up the timed runs of a benchmark: wall clock, client CPU
// and garbage collections.
type runMeter struct {
	elapsed, cpu time.Duration
	gcs          uint32
	t0           time.Time
	cpu0         time.Duration
	gc0          uint32
}

func numGC() uint32 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.NumGC
}

func (m *runMeter) start(b *testing.B) { m.t0, m.cpu0, m.gc0 = time.Now(), processCPU(b), numGC() }

func (m *runMeter) stop(b *testing.B) {
	m.elapsed += time.Since(m.t0)
	m.cpu += processCPU(b) - m.cpu0
	m.gcs += numGC() - m.gc0
}

// report reports rows/s, the client CPU per row and the collections per run.
func (m *runMeter) report(b *testing.B) {
	rows := float64(b.N * benchTxns * benchRowsPerTxn)
	b.ReportMetric(rows/m.elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(m.cpu.Microseconds())/rows, "cpu-µs/row")
	b.ReportMetric(float64(m.gcs)/float64(b.N), "gc/op")
}

func benchCount(b *testing.B, db *sql.DB, schema string) {
	b.Helper()
	var n int
	require.NoError(b, db.QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM `%s`.`sbtest`", schema)).Scan(&n))
	require.Equal(b, benchTxns*benchRowsPerTxn, n)
}

// BenchmarkRestoreSysbench: reparo restoring the workload from binlog
// files into MariaDB (default worker-count 16 and txn-batch 20); reports
// rows/s. Run with -benchtime=1x.
func BenchmarkRestoreSysbench(b *testing.B) {
	db, schema := testDB(b)
	dir := b.TempDir()
	writeFiles(b, dir, 0, benchBinlogs(b, schema)...)
	job, err := filepath.Abs(dir)
	require.NoError(b, err)
	// On a fresh server the checkpoint table does not exist yet.
	_, err = newDBCheckpoint(context.Background(), db)
	require.NoError(b, err)
	clearCheckpoint := func() {
		_, err := db.Exec("DELETE FROM `"+CheckpointSchema+"`.`"+CheckpointTable+"` WHERE job = ?", job)
		require.NoError(b, err)
	}
	var m runMeter
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		benchTable(b, db, schema)
		clearCheckpoint()
		cfg := runConfig(dir, DestMySQL)
		cfg.DestDB = &DBConfig{Host: "127.0.0.1", Port: 3306, User: "root"}
		r, err := New(cfg, Deps{})
		require.NoError(b, err)
		freshHeap()
		b.StartTimer()
		m.start(b)
		st, err := r.Run(context.Background())
		m.stop(b)
		require.NoError(b, err)
		require.Equal(b, int64(benchTxns*benchRowsPerTxn), st.Rows)
		b.StopTimer()
		benchCount(b, db, schema)
		b.StartTimer()
	}
	m.report(b)
	clearCheckpoint()
}

// BenchmarkRestoreStartup: a restore of one 10-row binlog, the fixed cost
// inside BenchmarkRestoreSysbench's timer (connecting, the checkpoint table
// and its reads and writes, the loader's start and end).
func BenchmarkRestoreStartup(b *testing.B) {
	db, schema := testDB(b)
	dir := b.TempDir()
	writeFiles(b, dir, 0, benchBinlogs(b, schema)[:1]...)
	job, err := filepath.Abs(dir)
	require.NoError(b, err)
	_, err = newDBCheckpoint(context.Background(), db)
	require.NoError(b, err)
	for b.Loop() {
		b.StopTimer()
		benchTable(b, db, schema)
		_, err := db.Exec("DELETE FROM `"+CheckpointSchema+"`.`"+CheckpointTable+"` WHERE job = ?", job)
		require.NoError(b, err)
		cfg := runConfig(dir, DestMySQL)
		cfg.DestDB = &DBConfig{Host: "127.0.0.1", Port: 3306, User: "root"}
		r, err := New(cfg, Deps{})
		require.NoError(b, err)
		b.StartTimer()
		st, err := r.Run(context.Background())
		require.NoError(b, err)
		require.Equal(b, int64(benchRowsPerTxn), st.Rows)
	}
}

// BenchmarkLoaderSysbench: pkg/loader alone applying the same transactions
// (already translated) with the same options; the reference for reparo.
func BenchmarkLoaderSysbench(b *testing.B) {
	db, schema := testDB(b)
	var txns []*loader.Txn
	for _, bl := range benchBinlogs(b, schema) {
		txn, err := BinlogToTxn(bl)
		require.NoError(b, err)
		txns = append(txns, txn)
	}
	var m runMeter
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		benchTable(b, db, schema)
		opts := loader.DefaultOptions()
		ld, err := loader.New(db, opts)
		require.NoError(b, err)
		freshHeap()
		b.StartTimer()
		m.start(b)
		errc := make(chan error, 1)
		go func() { errc <- ld.Run(context.Background()) }()
		go func() {
			for _, txn := range txns {
				ld.Input() <- txn
			}
			close(ld.Input())
		}()
		for range ld.Successes() {
		}
		require.NoError(b, <-errc)
		m.stop(b)
		b.StopTimer()
		benchCount(b, db, schema)
		b.StartTimer()
	}
	m.report(b)
}

// BenchmarkCeilingSysbench: the machine's ceiling for the same rows: 16
// connections each committing multi-row INSERTs of 20 rows, no loader.
func BenchmarkCeilingSysbench(b *testing.B) {
	db, schema := testDB(b)
	const workers, batch = 16, 20
	db.SetMaxOpenConns(workers)
	total := benchTxns * benchRowsPerTxn
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		benchTable(b, db, schema)
		b.StartTimer()
		start := time.Now()
		chunks := make(chan int64, total/batch)
		for first := int64(1); first <= int64(total); first += batch {
			chunks <- first
		}
		close(chunks)
		errc := make(chan error, workers)
		for range workers {
			go func() {
				var err error
				for first := range chunks {
					if err == nil {
						err = ceilingInsert(db, schema, first, batch)
					}
				}
				errc <- err
			}()
		}
		for range workers {
			require.NoError(b, <-errc)
		}
		elapsed += time.Since(start)
		b.StopTimer()
		benchCount(b, db, schema)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.N*total)/elapsed.Seconds(), "rows/s")
}

func ceilingInsert(db *sql.DB, schema string, first int64, n int) error {
	q := "INSERT INTO `" + schema + "`.`sbtest` (id, k, c, pad) VALUES "
	args := make([]any, 0, 4*n)
	for i := range int64(n) {
		if i > 0 {
			q += ","
		}
		q += "(?,?,?,?)"
		id := first + i
		args = append(args, id, id%1000, fmt.Sprintf("%0119d", id), fmt.Sprintf("%059d", id))
	}
	_, err := db.Exec(q, args...)
	return err
}

// BenchmarkDecodeTxn: decoding and translating one 10-row transaction.
func BenchmarkDecodeTxn(b *testing.B) {
	var evs []*filepb.Event
	for id := int64(1); id <= 10; id++ {
		r := sbRow{id: id, k: id % 1000, c: fmt.Sprintf("%0119d", id), pad: fmt.Sprintf("%059d", id)}
		evs = append(evs, event(b, "db", "sbtest", filepb.EventType_Insert, r.cols()...))
	}
	raw := marshal(b, dmlBinlog(1, evs...))
	tr := newTranslator()
	var names interner
	b.ReportAllocs()
	for b.Loop() {
		bl, err := unmarshalBinlog(raw, &names)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tr.binlogToTxn(bl); err != nil {
			b.Fatal(err)
		}
	}
}
