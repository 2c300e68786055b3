package main

import (
	"fmt"
	"slices"
	"time"
)

type result struct {
	size, writers int
	binlogs       int64
	bytes         int64
	elapsed       time.Duration
	writeLat      []time.Duration
	pullLat       []time.Duration
	arrivals      []arrival       // of the commits in pullLat
	ackPullLat    []time.Duration // pull arrival after the commit's acknowledgement
	pulled        int64
	pullElapsed   time.Duration
	errors        int64
	binlogsPerSec float64
	// CPU microseconds per binlog written, by process.
	cpuPump, cpuPD, cpuClient float64
	// the pull from 0 after the writes (-backlog): commits/s and the
	// pump's CPU microseconds per commit
	backlogRate, backlogCPU float64
}

func (r *result) finish() {
	slices.Sort(r.writeLat)
	slices.Sort(r.pullLat)
	slices.Sort(r.ackPullLat)
	r.binlogsPerSec = float64(r.binlogs) / r.elapsed.Seconds()
}

func pct(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return sorted[i]
}

func header() string {
	return fmt.Sprintf("%-8s %-7s %12s %9s %10s %10s %10s %12s %12s %12s %12s %7s  %s",
		"size", "writers", "binlogs/s", "MB/s", "p50", "p99", "p999", "pull/s", "pull-p50", "pull-p99", "ack-pull-p99",
		"errors", "cpu-us/binlog pump,pd,client") + "  [backlog commits/s, pump cpu-us/commit]"
}

func (r result) row() string {
	mb := float64(r.bytes) / r.elapsed.Seconds() / 1e6
	pullRate := 0.0
	if r.pullElapsed > 0 {
		pullRate = float64(r.pulled) / r.pullElapsed.Seconds()
	}
	return fmt.Sprintf("%-8d %-7d %12.0f %9.1f %10s %10s %10s %12.0f %12s %12s %12s %7d  %.0f,%.0f,%.0f",
		r.size, r.writers, r.binlogsPerSec, mb, dur(pct(r.writeLat, 0.5)), dur(pct(r.writeLat, 0.99)),
		dur(pct(r.writeLat, 0.999)), pullRate, dur(pct(r.pullLat, 0.5)), dur(pct(r.pullLat, 0.99)),
		dur(pct(r.ackPullLat, 0.99)), r.errors, r.cpuPump, r.cpuPD, r.cpuClient) + r.backlogColumns()
}

// backlogColumns are the backlog pull's columns, when it ran.
func (r result) backlogColumns() string {
	if r.backlogRate == 0 {
		return ""
	}
	return fmt.Sprintf("  %.0f %.0f", r.backlogRate, r.backlogCPU)
}

func dur(d time.Duration) string {
	return d.Round(10 * time.Microsecond).String()
}

// median returns the run with the median binlogs/s.
func median(rs []result) result {
	slices.SortFunc(rs, func(a, b result) int {
		switch {
		case a.binlogsPerSec < b.binlogsPerSec:
			return -1
		case a.binlogsPerSec > b.binlogsPerSec:
			return 1
		}
		return 0
	})
	return rs[len(rs)/2]
}
