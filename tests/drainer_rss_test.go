//go:build integration

package tests

import (
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

const (
	rssLimit     = 512 << 20 // the drainer's peak RSS must stay below
	rssRowBytes  = 256 << 10 // one row's c: 20 rows (txn-batch) stay under MariaDB's 16 MiB packet
	rssBigTxn    = 100 << 20 // a big transaction's rows
	rssSmallTxn  = 1 << 20
	rssBigTxns   = 8
	rssSmallEach = 28 // small transactions after each big one: 8 x (100 + 28) MiB = 1 GiB
)

// TestDrainerRSSWithBigTransactions replicates about 1 GiB of row binlogs,
// eight of them 100 MiB transactions (400 rows of 256 KiB in one prewrite
// value), written straight through pkg/pumpclient as tidb-lite encodes
// them, and checks that the drainer process's peak RSS (VmHWM) stays under
// 512 MiB and that MariaDB got every row.
func TestDrainerRSSWithBigTransactions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "[syncer]\n")
	db := "drainer_test_rss_" + randomSuffix()
	c.dropDownstream(t, db)
	c.exec(ctx, t, "CREATE DATABASE "+db,
		"CREATE TABLE "+db+".big (id BIGINT PRIMARY KEY, k INT, c LONGTEXT, pad VARCHAR(60))")
	require.Eventually(t, func() bool {
		_, err := c.down.ExecContext(ctx, "SELECT 1 FROM "+db+".big LIMIT 1")
		return err == nil
	}, time.Minute, 20*time.Millisecond, "the drainer did not create the table downstream")
	table, err := testcluster.FetchRowTable(ctx, c.tidb.StatusURL, db, "big")
	require.NoError(t, err)
	w, err := testcluster.NewBinlogWriter(ctx, c.pd.URL)
	require.NoError(t, err)
	defer w.Close()

	sampler := startRSSSampler(t, c.drainer.Pid())
	start := time.Now()
	var want [4]int64 // rows, SUM(k), SUM(CRC32(c)), SUM(CRC32(pad))
	var written int64
	id := int64(0)
	writeTxn := func(bytes int) {
		x := table.NewTxn()
		for n := 0; n < bytes; n += rssRowBytes {
			id++
			r := bigRow(id)
			require.NoError(t, x.Insert(r))
			want[0]++
			want[1] += r.K
			want[2] += int64(crc32.ChecksumIEEE([]byte(r.C)))
			want[3] += int64(crc32.ChecksumIEEE([]byte(r.Pad)))
			written += int64(len(r.C))
		}
		_, err := w.Write(ctx, x)
		require.NoError(t, err)
	}
	for range rssBigTxns {
		writeTxn(rssBigTxn)
		for range rssSmallEach {
			writeTxn(rssSmallTxn)
		}
	}
	t.Logf("wrote %d MiB in %d rows in %v", written>>20, want[0], time.Since(start))

	var got [4]int64
	require.Eventually(t, func() bool {
		err := c.down.QueryRowContext(ctx, "SELECT COUNT(*), COALESCE(SUM(k), 0), COALESCE(SUM(CRC32(c)), 0), "+
			"COALESCE(SUM(CRC32(pad)), 0) FROM "+db+".big").Scan(&got[0], &got[1], &got[2], &got[3])
		return err == nil && got == want
	}, 4*time.Minute, 200*time.Millisecond, "downstream %v, want %v", got, want)
	hwm, maxRSS := sampler.stop()
	t.Logf("replicated %d MiB in %v; drainer VmHWM %d MiB, highest sampled VmRSS %d MiB",
		written>>20, time.Since(start), hwm>>20, maxRSS>>20)
	require.Positive(t, hwm)
	require.Less(t, hwm, int64(rssLimit), "drainer peak RSS (VmHWM)")
}

// bigRow is row id of the RSS test: a 256 KiB c made of the id.
func bigRow(id int64) testcluster.SbRow {
	unit := fmt.Sprintf("%015d|", id)
	return testcluster.SbRow{ID: id, K: id % 1000, C: strings.Repeat(unit, rssRowBytes/len(unit)), Pad: "pad-" + unit}
}

// rssSampler samples a process's VmRSS until stopped, then reads VmHWM
// (the kernel's own peak, which no sampling interval can miss).
type rssSampler struct {
	pid    int
	done   chan struct{}
	wg     sync.WaitGroup
	maxRSS int64
}

func startRSSSampler(t *testing.T, pid int) *rssSampler {
	t.Helper()
	require.Positive(t, pid)
	s := &rssSampler{pid: pid, done: make(chan struct{})}
	_, _, err := procMemory(pid)
	require.NoError(t, err)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if _, rss, err := procMemory(s.pid); err == nil {
				s.maxRSS = max(s.maxRSS, rss)
			}
			select {
			case <-s.done:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// stop ends the sampling and returns VmHWM and the highest VmRSS sampled.
func (s *rssSampler) stop() (hwm, maxRSS int64) {
	close(s.done)
	s.wg.Wait()
	hwm, _, _ = procMemory(s.pid)
	return hwm, s.maxRSS
}

// procMemory reads VmHWM and VmRSS (bytes) from /proc/<pid>/status.
func procMemory(pid int) (hwm, rss int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("read status of pid %d: %w", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, val, ok := strings.Cut(line, ":")
		if !ok || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		f := strings.Fields(val) // "123456 kB"
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("pid %d: unexpected %s line %q", pid, name, line)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("pid %d: %s: %w", pid, name, err)
		}
		if name == "VmHWM" {
			hwm = kb << 10
		} else {
			rss = kb << 10
		}
	}
	return hwm, rss, nil
}
