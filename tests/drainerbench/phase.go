package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

// phaseResult is one phase's outcome.
type phaseResult struct {
	rows      int
	write     time.Duration // the writers' time
	apply     time.Duration // first write (live) or first applied txn (backlog) until MariaDB holds the expected table
	fromStart time.Duration // backlog: the drainer's start until done
}

func (r phaseResult) rate() float64 { return float64(r.rows) / r.apply.Seconds() }

// writePhase writes phase p with one goroutine per writer.
func writePhase(ctx context.Context, c *cluster, w *workload, p int) (time.Duration, error) {
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, len(w.txns[p]))
	for _, list := range w.txns[p] {
		wg.Add(1)
		go func(list []*testcluster.RowTxn) {
			defer wg.Done()
			for _, x := range list {
				if _, err := c.writer.Write(ctx, x); err != nil {
					errs <- err
					return
				}
			}
		}(list)
	}
	wg.Wait()
	close(errs)
	return time.Since(start), <-errs
}

// runPhase writes and measures phase p. In backlog mode the drainer is
// stopped while the phase is written, then started again.
func runPhase(ctx context.Context, o *options, mode string, c *cluster, w *workload, p int) (phaseResult, error) {
	res := phaseResult{rows: w.rows}
	target := w.txnCount(p)
	if mode == "backlog" {
		if err := c.drainer.Stop(60 * time.Second); err != nil {
			return res, err
		}
	}
	base, err := executed(ctx, c)
	if mode == "backlog" {
		base, err = 0, nil
	}
	if err != nil {
		return res, err
	}
	start := time.Now()
	var first time.Time
	if mode == "backlog" {
		if res.write, err = writePhase(ctx, c, w, p); err != nil {
			return res, err
		}
		start = time.Now()
		if err := c.drainer.StartReady(ctx); err != nil {
			return res, err
		}
	}
	var writeDur time.Duration
	writeErr := make(chan error, 1)
	if mode == "backlog" {
		writeErr <- nil
	} else {
		first = start
		go func() {
			d, err := writePhase(ctx, c, w, p)
			writeDur = d
			writeErr <- err
		}()
	}
	writing := true
	deadline := time.Now().Add(o.timeout)
	var done time.Time
	for {
		if writing {
			select {
			case err := <-writeErr:
				if err != nil {
					return res, err
				}
				writing = false
			default:
			}
		}
		n, qerr := executed(ctx, c)
		now := time.Now()
		if qerr == nil && n > base && first.IsZero() {
			first = now
		}
		if qerr == nil && n >= base+int64(target) {
			done = now
			break
		}
		if now.After(deadline) {
			return res, fmt.Errorf("%s phase: %d of %d transactions applied after %s\n%s",
				phaseNames[p], n-base, target, o.timeout, c.logTail())
		}
		time.Sleep(nextPoll(first, now, n-base, int64(target)))
	}
	// The phase ends when the drainer confirmed its last transaction (as
	// loaderbench's ends at the loader's last success); the checksum then
	// proves the table is right, outside the time measured.
	if err := c.waitChecksum(ctx, w.want[p], deadline); err != nil {
		return res, fmt.Errorf("%s phase: %w", phaseNames[p], err)
	}
	if !done.After(first) { // all of it applied before the first ask saw any
		first = start
	}
	res.apply, res.fromStart = done.Sub(first), done.Sub(start)
	if writing {
		if err := <-writeErr; err != nil {
			return res, err
		}
	}
	if mode != "backlog" {
		res.write = writeDur
	}
	return res, nil
}

// Polling bounds. Each ask for the drainer's progress renders every metric
// of the drainer (its process collector reads /proc): at a fixed 50 ms that
// was 3-4% of the drainer's CPU in a profile, work loaderbench does not do.
const (
	minPoll = 20 * time.Millisecond
	maxPoll = 500 * time.Millisecond
)

// nextPoll is the wait before the next ask: minPoll until the first
// transaction is applied, then half the time the rest should take at the
// rate so far, so that a phase is asked a few dozen times and its end is
// still seen within about minPoll.
func nextPoll(first, now time.Time, applied, target int64) time.Duration {
	if first.IsZero() || applied <= 0 {
		return minPoll
	}
	elapsed := now.Sub(first)
	eta := time.Duration(float64(elapsed) * float64(target-applied) / float64(applied))
	return min(max(eta/2, minPoll), maxPoll)
}

// metricsClient asks for /metrics without gzip (the drainer would spend CPU
// compressing what loopback carries for free).
var metricsClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// executed reads how many items the drainer has confirmed so far: the
// sample count of binlog_drainer_execute_duration_time.
func executed(ctx context.Context, c *cluster) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.drainer.Addr+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := metricsClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "binlog_drainer_execute_duration_time_count "); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, sc.Err()
}

// waitChecksum polls MariaDB until the table holds exactly want.
func (c *cluster) waitChecksum(ctx context.Context, want checksum, deadline time.Time) error {
	var got checksum
	for {
		err := c.down.QueryRowContext(ctx, checksumQuery+c.schema+".sbtest").Scan(&got.rows, &got.sumK, &got.sumC, &got.sumPad)
		if err == nil && got == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("downstream table is %+v, want %+v (%v)", got, want, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
