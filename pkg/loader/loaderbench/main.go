package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/pkg/testutil"
)

type config struct {
	host         string
	port         int
	user         string
	rows         int
	perTxn       int
	workers      int
	batch        int
	skipCeilings bool
	modes        string
	cpuProfile   string
	verbose      bool
	runs         int
	safeMode     bool
}

func main() {
	var c config
	flag.StringVar(&c.host, "host", "127.0.0.1", "downstream host")
	flag.IntVar(&c.port, "port", 3306, "downstream port")
	flag.StringVar(&c.user, "user", "root", "downstream user (no password)")
	flag.IntVar(&c.rows, "rows", 200000, "rows per phase")
	flag.IntVar(&c.perTxn, "txn-dmls", 10, "DMLs per transaction")
	flag.IntVar(&c.workers, "workers", 16, "loader worker count (and ceiling connections)")
	flag.IntVar(&c.batch, "batch", 20, "loader txn batch")
	flag.BoolVar(&c.skipCeilings, "skip-ceilings", false, "do not measure the server ceilings")
	flag.StringVar(&c.modes, "modes", "off,on", "merge modes to run")
	flag.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the loader runs to this file")
	flag.BoolVar(&c.verbose, "v", false, "per phase: wall, process CPU, summed worker exec and commit seconds")
	flag.IntVar(&c.runs, "runs", 1, "repeat ceilings and loader runs this many times and print the medians")
	flag.BoolVar(&c.safeMode, "safe-mode", false, "run the loader in safe mode (INSERT as REPLACE, UPDATE as DELETE+REPLACE), "+
		"as a drainer does in its first 5 minutes")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "loaderbench:", err)
		os.Exit(1)
	}
}

func run(c config) error {
	db, err := loader.OpenDB(loader.DBConfig{Host: c.host, Port: c.port, User: c.user, ReadTimeout: 5 * time.Minute})
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxIdleConns(c.workers + 4)
	schema := fmt.Sprintf("loaderbench_%d", rand.Uint32())
	if _, err := db.Exec("CREATE DATABASE " + schema); err != nil {
		return err
	}
	defer db.Exec("DROP DATABASE IF EXISTS " + schema)
	fmt.Printf("loaderbench: %d rows per phase, %d DMLs per txn, %d workers, batch %d, safe mode %v\n", c.rows, c.perTxn, c.workers, c.batch, c.safeMode)
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var runs []benchRun
	for i := 0; i < c.runs; i++ {
		if c.runs > 1 {
			fmt.Printf("\nrun %d of %d\n", i+1, c.runs)
		}
		r, err := oneRun(db, schema, c, i)
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}
	if len(runs) > 1 {
		fmt.Printf("\nmedians of %d runs (each ratio against its own run's ceiling)\n", len(runs))
		printTable(medianRun(runs), c)
	}
	return nil
}

// benchRun is one run's ceilings (0 when skipped) and its loader results
// per merge mode.
type benchRun struct {
	multi, single float64
	modes         []string
	res           map[string][3]result
}

func oneRun(db *sql.DB, schema string, c config, i int) (benchRun, error) {
	r := benchRun{res: map[string][3]result{}}
	if !c.skipCeilings {
		var err error
		if r.multi, r.single, err = ceilings(db, schema, c, i); err != nil {
			return r, err
		}
	}
	for _, m := range strings.Split(c.modes, ",") {
		res, err := loaderRun(db, schema, c, m == "on", i)
		if err != nil {
			return r, err
		}
		r.modes = append(r.modes, m)
		r.res[m] = res
	}
	printTable(r, c)
	return r, nil
}

// printTable prints the ceilings and a row per merge mode; merge off is
// compared with the single-row ceiling, merge on with the multi-row one
// (the targets of issue 10: >= 1.0x and >= 0.5x).
func printTable(r benchRun, c config) {
	if r.multi > 0 {
		fmt.Printf("ceiling: multi-row inserts of 1000 rows, %d connections: %.0f rows/s; transactions of 20 single-row inserts, %d connections: %.0f rows/s\n",
			c.workers, r.multi, c.workers, r.single)
	}
	fmt.Printf("\n| mode | insert rows/s | update rows/s | delete rows/s | p99 txn latency (ins/upd/del) | downstream txns (ins/upd/del) |\n|---|---|---|---|---|---|\n")
	for _, m := range r.modes {
		res := r.res[m]
		ceiling, name := r.single, "single"
		if m == "on" {
			ceiling, name = r.multi, "multi"
		}
		cell := func(x result) string {
			if ceiling == 0 {
				return fmt.Sprintf("%.0f", x.rate)
			}
			return fmt.Sprintf("%.0f (%.2fx %s)", x.rate, x.rate/ceiling, name)
		}
		fmt.Printf("| merge %s | %s | %s | %s | %s / %s / %s | %d / %d / %d |\n", m, cell(res[0]), cell(res[1]), cell(res[2]),
			ms(res[0].p99), ms(res[1].p99), ms(res[2].p99), res[0].commits, res[1].commits, res[2].commits)
		if c.verbose {
			for p, phase := range []string{"insert", "update", "delete"} {
				x := res[p]
				fmt.Printf("  merge %s %s: wall %.2fs, process CPU %.2fs, worker exec %.2fs, commit %.2fs\n",
					m, phase, x.wall.Seconds(), x.cpu.Seconds(), x.exec.Seconds(), x.commit.Seconds())
			}
		}
	}
}

// medianRun is the median of every number over runs. A cell's rate is
// scaled so that its ratio is the median of the runs' ratios (the
// machine's speed varies from run to run; each ratio is against its own
// run's ceiling).
func medianRun(runs []benchRun) benchRun {
	out := benchRun{modes: runs[0].modes, res: map[string][3]result{}}
	pick := func(f func(benchRun) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		sort.Float64s(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	out.multi = pick(func(r benchRun) float64 { return r.multi })
	out.single = pick(func(r benchRun) float64 { return r.single })
	for _, m := range out.modes {
		var res [3]result
		for p := range res {
			get := func(r benchRun) result { return r.res[m][p] }
			ceiling := func(r benchRun) float64 {
				if m == "on" {
					return r.multi
				}
				return r.single
			}
			if out.multi > 0 {
				res[p].rate = ceiling(out) * pick(func(r benchRun) float64 { return get(r).rate / ceiling(r) })
			} else {
				res[p].rate = pick(func(r benchRun) float64 { return get(r).rate })
			}
			res[p].p99 = time.Duration(pick(func(r benchRun) float64 { return float64(get(r).p99) }))
			res[p].commits = uint64(pick(func(r benchRun) float64 { return float64(get(r).commits) }))
			res[p].wall = time.Duration(pick(func(r benchRun) float64 { return float64(get(r).wall) }))
			res[p].cpu = time.Duration(pick(func(r benchRun) float64 { return float64(get(r).cpu) }))
			res[p].exec = time.Duration(pick(func(r benchRun) float64 { return float64(get(r).exec) }))
			res[p].commit = time.Duration(pick(func(r benchRun) float64 { return float64(get(r).commit) }))
		}
		out.res[m] = res
	}
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond)) }

func createTable(db *sql.DB, schema, name string) (string, error) {
	t := schema + "." + name
	_, err := db.Exec("CREATE TABLE " + t + " (id BIGINT PRIMARY KEY, k INT, c VARCHAR(120), pad VARCHAR(60))")
	return t, err
}

type row struct {
	id  int64
	k   int64
	c   string
	pad string
}

func genRows(n int, r *rand.Rand) []row {
	rows := make([]row, n)
	for i := range rows {
		rows[i] = row{id: int64(i + 1), k: int64(r.IntN(n) + 1), c: testutil.SysbenchDigits(r, 10), pad: testutil.SysbenchDigits(r, 5)}
	}
	return rows
}

// ceilings measures what the server does alone: rows/s of multi-row
// inserts and of transactions of single-row inserts.
func ceilings(db *sql.DB, schema string, c config, run int) (multi, single float64, err error) {
	r := rand.New(rand.NewPCG(1, 2))
	rows := genRows(c.rows, r)
	t, err := createTable(db, schema, fmt.Sprintf("ceil_multi_%d", run))
	if err != nil {
		return 0, 0, err
	}
	dm, err := parallel(db, c.workers, len(rows)/1000, func(conn *sql.Conn, i int) error {
		return multiInsert(conn, t, rows[i*1000:(i+1)*1000])
	})
	if err != nil {
		return 0, 0, err
	}
	t2, err := createTable(db, schema, fmt.Sprintf("ceil_single_%d", run))
	if err != nil {
		return 0, 0, err
	}
	ds, err := parallel(db, c.workers, len(rows)/20, func(conn *sql.Conn, i int) error {
		return singleTxn(conn, t2, rows[i*20:(i+1)*20])
	})
	if err != nil {
		return 0, 0, err
	}
	// Free the buffer pool for the loader's tables.
	if _, err := db.Exec("DROP TABLE " + t + ", " + t2); err != nil {
		return 0, 0, err
	}
	return float64(len(rows)) / dm.Seconds(), float64(len(rows)) / ds.Seconds(), nil
}

func multiInsert(conn *sql.Conn, t string, rows []row) error {
	var b strings.Builder
	args := make([]any, 0, 4*len(rows))
	b.WriteString("INSERT INTO " + t + "(id,k,c,pad) VALUES")
	for i, x := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?)")
		args = append(args, x.id, x.k, x.c, x.pad)
	}
	_, err := conn.ExecContext(context.Background(), b.String(), args...)
	return err
}

func singleTxn(conn *sql.Conn, t string, rows []row) error {
	ctx := context.Background()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, x := range rows {
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+t+"(id,k,c,pad) VALUES(?,?,?,?)", x.id, x.k, x.c, x.pad); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// parallel runs jobs 0..n-1 on conns connections and returns the wall time.
func parallel(db *sql.DB, conns, n int, job func(*sql.Conn, int) error) (time.Duration, error) {
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	errs := make(chan error, conns)
	start := time.Now()
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := db.Conn(context.Background())
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			for i := range next {
				if err := job(conn, i); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return time.Since(start), <-errs
}
