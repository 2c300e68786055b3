//go:build integration

package tests

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/tests/opskit"
	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

// notScrapedHere are names the dashboard or the alerts use that this test
// cannot see on /metrics; tests/opskit checks that our code registers them.
var notScrapedHere = map[string]string{
	"binlog_pump_detected_drainer_binlog_purge_count": "a child per drainer only once GC purged binlogs it had not read",
	"binlog_pump_storage_slow_chaser_count":           "a child per state change of the slow chaser only",
	"binlog_drainer_error_count":                      "a child per error type only once such an error happened",
}

// TestOpsMetricsExported starts pd-lite, a pump, tidb-lite, a drainer to
// MariaDB with a relay log and a drainer to binlog files, replicates a few
// statements, and checks that every metric name of the Grafana dashboard and
// the alert rules (docs/monitoring) is on their /metrics. Arbiter metrics are
// left out (arbiter only pushes to a gateway), and so are the event-only
// families of notScrapedHere. It also checks the premise of the DrainerStuck
// alert: an idle drainer's checkpoint ts keeps moving.
func TestOpsMetricsExported(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	used, err := opskit.UsedMetrics("..")
	require.NoError(t, err)

	relay := t.TempDir()
	c := startDrainerCluster(ctx, t, fmt.Sprintf("[syncer]\n[syncer.relay]\nlog-dir = %q\n", relay))
	file, err := testcluster.StartDrainer(ctx, binDir, c.dir, c.pd, "drainer-file", testcluster.DrainerOptions{
		TOML: "[syncer]\ndb-type = \"file\"\n", ExtraArgs: []string{"-tidb-status-urls", c.tidb.StatusURL}})
	require.NoError(t, err, "file drainer did not start")
	t.Cleanup(func() { _ = file.Stop(20 * time.Second) })

	db := "ops_test_" + randomSuffix()
	c.dropDownstream(t, db)
	c.exec(ctx, t, "CREATE DATABASE "+db, "CREATE TABLE "+db+".t (id INT PRIMARY KEY, v VARCHAR(8))",
		"INSERT INTO "+db+".t VALUES (1, 'a'), (2, 'b')", "UPDATE "+db+".t SET v = 'c' WHERE id = 2",
		"DELETE FROM "+db+".t WHERE id = 1")
	c.requireSameRows(ctx, t, "SELECT id, v FROM "+db+".t ORDER BY id", 60*time.Second)
	require.Eventually(t, func() bool {
		_, events := readFileSink(t, file.DataDir, db)
		return len(events) == 4
	}, 60*time.Second, 100*time.Millisecond, "the file drainer did not write the statements")

	urls := []string{"http://" + c.pump.Addr, "http://" + c.drainer.Addr, "http://" + file.Addr}
	var exported map[string]bool
	var missing []string
	// Some families appear with their first sample (a checkpoint save, the
	// first pull): poll until every name is there.
	ok := assertEventually(30*time.Second, func() bool {
		exported = map[string]bool{}
		for _, u := range urls {
			for n := range scrapeNames(ctx, t, u) {
				exported[n] = true
			}
		}
		missing = missingNames(used, exported)
		return len(missing) == 0
	})
	require.True(t, ok, "used by docs/monitoring but not exported by pump or drainer: %v", missing)

	cp := func() float64 { return scrapeValue(ctx, t, "http://"+c.drainer.Addr, "binlog_drainer_checkpoint_tso") }
	first := cp()
	require.Eventually(t, func() bool { return cp() > first }, 30*time.Second, 200*time.Millisecond,
		"an idle drainer's checkpoint ts must move (DrainerStuck alert)")
	t.Logf("checked %d metric names on %d endpoints", len(used), len(urls))
}

// missingNames lists the used names that are neither exported nor excused.
func missingNames(used map[string][]string, exported map[string]bool) []string {
	var missing []string
	for name, where := range used {
		if exported[name] || strings.HasPrefix(name, "binlog_arbiter_") {
			continue
		}
		if _, excused := notScrapedHere[name]; excused {
			continue
		}
		if base, ok := opskit.HistogramBase(name); ok {
			if _, excused := notScrapedHere[base]; excused {
				continue
			}
		}
		missing = append(missing, fmt.Sprintf("%s (%s)", name, where[0]))
	}
	return missing
}

func assertEventually(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// scrapeNames returns the sample names (histograms as _bucket, _sum and
// _count) and their values on base/metrics.
func scrapeNames(ctx context.Context, t *testing.T, base string) map[string]float64 {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		end := strings.IndexAny(line, "{ ")
		require.Positive(t, end, "bad exposition line %q", line)
		v, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		out[line[:end]] = v
	}
	require.NoError(t, sc.Err())
	return out
}

func scrapeValue(ctx context.Context, t *testing.T, base, name string) float64 {
	t.Helper()
	return scrapeNames(ctx, t, base)[name]
}
