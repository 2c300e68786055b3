package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/prometheus/client_golang/prometheus"
)

type result struct {
	rate    float64
	p99     time.Duration
	commits uint64
}

// commits reads how many downstream transactions the loader committed.
func commits(reg *prometheus.Registry) uint64 {
	mfs, err := reg.Gather()
	if err != nil {
		return 0
	}
	for _, mf := range mfs {
		if mf.GetName() != "binlog_drainer_query_duration_time" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "type" && lp.GetValue() == "commit" {
					return m.GetHistogram().GetSampleCount()
				}
			}
		}
	}
	return 0
}

// phases builds the three phases' transactions before anything is timed.
func phases(schema, table string, c config) [3][]*loader.Txn {
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
	var out [3][]*loader.Txn
	out[0] = mk(len(rows), func(i int) *loader.DML {
		return &loader.DML{Database: schema, Table: table, Tp: loader.InsertDMLType, Values: vals(rows[i])}
	})
	out[1] = mk(len(rows), func(int) *loader.DML {
		i := r.IntN(len(rows))
		old := rows[i]
		rows[i].k = int64(r.IntN(len(rows)) + 1)
		rows[i].c = digits(r, 10)
		return &loader.DML{Database: schema, Table: table, Tp: loader.UpdateDMLType, Values: vals(rows[i]), OldValues: vals(old)}
	})
	perm := r.Perm(len(rows))
	out[2] = mk(len(rows), func(i int) *loader.DML {
		return &loader.DML{Database: schema, Table: table, Tp: loader.DeleteDMLType, Values: vals(rows[perm[i]])}
	})
	return out
}

func loaderRun(db *sql.DB, schema string, c config, merge bool) ([3]result, error) {
	var res [3]result
	name := "lb_merge_off"
	if merge {
		name = "lb_merge_on"
	}
	if _, err := createTable(db, schema, name); err != nil {
		return res, err
	}
	all := phases(schema, name, c)
	opts := loader.DefaultOptions()
	opts.WorkerCount, opts.BatchSize, opts.Merge = c.workers, c.batch, merge
	for p, txns := range all {
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
	return res, nil
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
	start := time.Now()
	rows := 0
	for i, t := range txns {
		sent[i] = time.Now()
		l.Input() <- t
		rows += len(t.DMLs)
	}
	close(l.Input())
	err = <-errc
	<-done
	elapsed := time.Since(start)
	if err != nil {
		return result{}, err
	}
	if len(lat) != len(txns) {
		return result{}, fmt.Errorf("%d successes for %d txns", len(lat), len(txns))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return result{rate: float64(rows) / elapsed.Seconds(), p99: lat[len(lat)*99/100], commits: commits(reg)}, nil
}
