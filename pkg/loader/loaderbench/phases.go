package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"syscall"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/pkg/testutil"
	"github.com/prometheus/client_golang/prometheus"
)

type result struct {
	rate    float64
	p99     time.Duration
	commits uint64
	// wall is the phase's duration, cpu the process CPU time it used
	// (loader and benchmark), exec and commit the summed time the
	// workers spent in statements and in COMMIT.
	wall, cpu, exec, commit time.Duration
}

// queryStats reads how many times the loader ran a query type and the
// summed seconds (commit: downstream transactions; exec: statements).
func queryStats(reg *prometheus.Registry, tp string) (uint64, time.Duration) {
	mfs, err := reg.Gather()
	if err != nil {
		return 0, 0
	}
	for _, mf := range mfs {
		if mf.GetName() != "binlog_drainer_query_duration_time" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "type" && lp.GetValue() == tp {
					h := m.GetHistogram()
					return h.GetSampleCount(), time.Duration(h.GetSampleSum() * float64(time.Second))
				}
			}
		}
	}
	return 0, 0
}

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// phases returns a function that builds the transactions of phase p (0:
// insert, 1: update, 2: delete; in that order), called before the phase
// is timed. Building each phase just before it runs keeps the others out
// of the heap: with all three phases held, marking that heap was a fifth
// of the process's CPU in a profile, a cost of the benchmark and not of
// the loader (which competes with the server for the same cores).
func phases(schema, table string, c config) func(p int) []*loader.Txn {
	r := rand.New(rand.NewPCG(3, 4))
	rows := genRows(c.rows, r)
	vals := func(x row) map[string]any {
		return map[string]any{"id": x.id, "k": x.k, "c": x.c, "pad": x.pad}
	}
	mk := func(n int, gen func(i int) *loader.DML) []*loader.Txn {
		var txns []*loader.Txn
		for i := 0; i < n; i += c.perTxn {
			txn := &loader.Txn{}
			for j := i; j < min(n, i+c.perTxn); j++ {
				txn.DMLs = append(txn.DMLs, gen(j))
			}
			txns = append(txns, txn)
		}
		return txns
	}
	return func(p int) []*loader.Txn {
		switch p {
		case 0:
			return mk(len(rows), func(i int) *loader.DML {
				return &loader.DML{Database: schema, Table: table, Tp: loader.InsertDMLType, Values: vals(rows[i])}
			})
		case 1:
			return mk(len(rows), func(int) *loader.DML {
				i := r.IntN(len(rows))
				old := rows[i]
				rows[i].k = int64(r.IntN(len(rows)) + 1)
				rows[i].c = testutil.SysbenchDigits(r, 10)
				return &loader.DML{Database: schema, Table: table, Tp: loader.UpdateDMLType, Values: vals(rows[i]), OldValues: vals(old)}
			})
		default:
			perm := r.Perm(len(rows))
			return mk(len(rows), func(i int) *loader.DML {
				return &loader.DML{Database: schema, Table: table, Tp: loader.DeleteDMLType, Values: vals(rows[perm[i]])}
			})
		}
	}
}

func loaderRun(db *sql.DB, schema string, c config, merge bool, run int) ([3]result, error) {
	var res [3]result
	name := fmt.Sprintf("lb_merge_off_%d", run)
	if merge {
		name = fmt.Sprintf("lb_merge_on_%d", run)
	}
	if _, err := createTable(db, schema, name); err != nil {
		return res, err
	}
	build := phases(schema, name, c)
	opts := loader.DefaultOptions()
	opts.WorkerCount, opts.BatchSize, opts.Merge = c.workers, c.batch, merge
	opts.SafeMode = c.safeMode
	for p := range res {
		txns := build(p)
		runtime.GC()
		r, err := runPhase(db, opts, txns)
		if err != nil {
			return res, fmt.Errorf("phase %d: %w", p, err)
		}
		res[p] = r
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM " + schema + "." + name).Scan(&n); err != nil {
		return res, err
	}
	if n != 0 {
		return res, fmt.Errorf("%d rows left after the delete phase", n)
	}
	_, err := db.Exec("DROP TABLE " + schema + "." + name)
	return res, err
}

func runPhase(db *sql.DB, opts loader.Options, txns []*loader.Txn) (result, error) {
	reg := prometheus.NewRegistry()
	opts.Registerer = reg
	l, err := loader.New(db, opts)
	if err != nil {
		return result{}, err
	}
	sent := make([]time.Time, len(txns))
	lat := make([]time.Duration, 0, len(txns))
	for i, t := range txns {
		t.Metadata = i
	}
	errc := make(chan error, 1)
	go func() { errc <- l.Run(context.Background()) }()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for t := range l.Successes() {
			lat = append(lat, time.Since(sent[t.Metadata.(int)]))
		}
	}()
	start, cpu0 := time.Now(), cpuTime()
	rows := 0
	for i, t := range txns {
		sent[i] = time.Now()
		l.Input() <- t
		rows += len(t.DMLs)
	}
	close(l.Input())
	err = <-errc
	<-done
	elapsed, cpu := time.Since(start), cpuTime()-cpu0
	if err != nil {
		return result{}, err
	}
	if len(lat) != len(txns) {
		return result{}, fmt.Errorf("%d successes for %d txns", len(lat), len(txns))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	res := result{rate: float64(rows) / elapsed.Seconds(), p99: lat[len(lat)*99/100], wall: elapsed, cpu: cpu}
	res.commits, res.commit = queryStats(reg, "commit")
	_, res.exec = queryStats(reg, "exec")
	return res, nil
}
