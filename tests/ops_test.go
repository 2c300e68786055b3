//go:build integration

package tests

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
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

// unitProcess runs a binary with the ExecStart line of its systemd unit,
// the unit's paths moved under a test directory.
type unitProcess struct {
	name string
	args []string
	dir  string // WorkingDirectory
	out  string
	cmd  *exec.Cmd
	done chan int // exit status
}

// newUnitProcess reads cmd/<bin>/<bin>.service and maps /usr/local/bin to
// binDir and /etc, /var/lib and /var/log/tidb-binlog under root.
func newUnitProcess(t *testing.T, bin, root string) *unitProcess {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "cmd", bin, bin+".service"))
	require.NoError(t, err)
	var line string
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "ExecStart="); ok {
			line = v
		}
	}
	require.NotEmpty(t, line, "%s.service has no ExecStart", bin)
	line = strings.NewReplacer("/usr/local/bin/", binDir+"/", "/etc/tidb-binlog", filepath.Join(root, "etc"),
		"/var/lib/tidb-binlog", filepath.Join(root, "lib"), "/var/log/tidb-binlog", filepath.Join(root, "log")).Replace(line)
	p := &unitProcess{name: bin, args: strings.Fields(line), dir: filepath.Join(root, "lib", bin),
		out: filepath.Join(root, bin+".out")}
	for _, d := range []string{p.dir, filepath.Join(root, "log")} {
		require.NoError(t, os.MkdirAll(d, 0o750)) // StateDirectory=, LogsDirectory=
	}
	return p
}

func (p *unitProcess) start(t *testing.T) {
	t.Helper()
	out, err := os.OpenFile(p.out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	require.NoError(t, err)
	p.cmd = exec.Command(p.args[0], p.args[1:]...)
	p.cmd.Dir, p.cmd.Stdout, p.cmd.Stderr = p.dir, out, out
	require.NoError(t, p.cmd.Start())
	p.done = make(chan int, 1)
	go func() {
		err := p.cmd.Wait()
		out.Close()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			code = -1
		}
		p.done <- code
	}()
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
}

// exitStatus waits up to timeout for the process to exit by itself.
func (p *unitProcess) exitStatus(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case code := <-p.done:
		return code
	case <-time.After(timeout):
		b, _ := os.ReadFile(p.out)
		require.FailNow(t, p.name+" did not exit", "%s", testcluster.Tail(string(b), 4000))
		return 0
	}
}

// writeSampleConfig installs cmd/<bin>/<bin>.toml as the unit's config
// file with some keys set for the test, the way an operator edits it.
func writeSampleConfig(t *testing.T, bin, root string, set map[string]string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "cmd", bin, bin+".toml"))
	require.NoError(t, err)
	s := string(b)
	for key, val := range set {
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + ` = .*$`)
		require.Len(t, re.FindAllString(s, -1), 1, "key %s in %s.toml", key, bin)
		s = re.ReplaceAllLiteralString(s, key+" = "+val)
	}
	require.NoError(t, os.MkdirAll(filepath.Join(root, "etc"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "etc", bin+".toml"), []byte(s), 0o640))
}

// putState applies an action through a node's HTTP API. A node serves HTTP
// before it is online and refuses actions until then (a pump says it is
// still starting), so the action is retried for a while.
func putState(ctx context.Context, t *testing.T, addr, nodeID, action string) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, "http://"+addr+"/state/"+nodeID+"/"+action, nil)
		if !assert.NoError(c, err) {
			return
		}
		resp, err := http.DefaultClient.Do(req)
		if !assert.NoError(c, err) {
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		assert.Contains(c, string(body), `"code":200`, "%s %s", nodeID, action)
	}, 30*time.Second, 100*time.Millisecond)
}

// TestOpsUnitLifecycle runs the pump and the drainer exactly as their
// systemd units do (ExecStart flags, the sample TOML installed as the
// config file, the unit's directories) and checks what the units rely on:
// both serve, a pause through the HTTP API makes the node exit by itself
// with status 0 (so Restart=on-failure leaves it stopped), a start brings
// it back, SIGTERM stops it with status 0 well within TimeoutStopSec, and
// taking the drainer then the pump offline ends both with status 0.
func TestOpsUnitLifecycle(t *testing.T) {
	requireDrainerBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	root := t.TempDir()
	pd, err := testcluster.StartPDLite(ctx, binDir, root)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pd.Stop(10 * time.Second) })

	pumpPort, err := testcluster.FreePort()
	require.NoError(t, err)
	pumpAddr := fmt.Sprintf("127.0.0.1:%d", pumpPort)
	writeSampleConfig(t, "pump", root, map[string]string{"addr": strconv.Quote(pumpAddr), "pd-urls": strconv.Quote(pd.URL)})
	pump := newUnitProcess(t, "pump", root)
	pump.start(t)
	require.NoError(t, testcluster.WaitHTTP(ctx, "http://"+pumpAddr+"/status", 30*time.Second))
	nodeID, err := os.ReadFile(filepath.Join(pump.dir, ".node"))
	require.NoError(t, err, "the pump keeps its node ID in the unit's data dir")
	putState(ctx, t, pumpAddr, strings.TrimSpace(string(nodeID)), "pause")
	require.Zero(t, pump.exitStatus(t, 60*time.Second), "a paused pump exits 0")
	pump.start(t)
	require.NoError(t, testcluster.WaitHTTP(ctx, "http://"+pumpAddr+"/status", 30*time.Second))

	// tidb-lite needs an online pump to start.
	tidb, err := testcluster.StartTiDBLite(ctx, binDir, root, pd, "tidb-lite")
	require.NoError(t, err)
	t.Cleanup(func() { _ = tidb.Stop(15 * time.Second) })

	drainerPort, err := testcluster.FreePort()
	require.NoError(t, err)
	drainerAddr := fmt.Sprintf("127.0.0.1:%d", drainerPort)
	writeSampleConfig(t, "drainer", root, map[string]string{"addr": strconv.Quote(drainerAddr),
		"pd-urls": strconv.Quote(pd.URL), "node-id": `"drainer-ops"`, "db-type": `"file"`,
		"tidb-status-urls": strconv.Quote(tidb.StatusURL)})
	drainer := newUnitProcess(t, "drainer", root)
	drainer.start(t)
	require.NoError(t, testcluster.WaitHTTP(ctx, "http://"+drainerAddr+"/status", 30*time.Second))
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(drainer.dir, "savepoint"))
		return err == nil
	}, 30*time.Second, 100*time.Millisecond, "the drainer keeps its checkpoint in the unit's data dir")
	putState(ctx, t, drainerAddr, "drainer-ops", "pause")
	require.Zero(t, drainer.exitStatus(t, 60*time.Second), "a paused drainer exits 0")
	drainer.start(t)
	require.NoError(t, testcluster.WaitHTTP(ctx, "http://"+drainerAddr+"/status", 30*time.Second))

	for _, p := range []*unitProcess{drainer, pump} {
		begin := time.Now()
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
		require.Zero(t, p.exitStatus(t, 60*time.Second), "%s after SIGTERM", p.name)
		t.Logf("%s stopped %v after SIGTERM", p.name, time.Since(begin).Round(time.Millisecond))
	}

	// Offline, drainer first (docs/operations.md): the pump then has no
	// drainer to wait for.
	pump.start(t)
	require.NoError(t, testcluster.WaitHTTP(ctx, "http://"+pumpAddr+"/status", 30*time.Second))
	drainer.start(t)
	require.NoError(t, testcluster.WaitHTTP(ctx, "http://"+drainerAddr+"/status", 30*time.Second))
	putState(ctx, t, drainerAddr, "drainer-ops", "close")
	require.Zero(t, drainer.exitStatus(t, 60*time.Second), "an offline drainer exits 0")
	begin := time.Now()
	putState(ctx, t, pumpAddr, strings.TrimSpace(string(nodeID)), "close")
	require.Zero(t, pump.exitStatus(t, 60*time.Second), "an offline pump exits 0")
	t.Logf("pump offline %v after the close action", time.Since(begin).Round(time.Millisecond))
	for _, f := range []string{"pump.log", "drainer.log"} {
		require.FileExists(t, filepath.Join(root, "log", f), "the unit's log file")
	}
}
