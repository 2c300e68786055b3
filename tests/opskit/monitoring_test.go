package opskit

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDashboardParses(t *testing.T) {
	d, err := LoadDashboard(root)
	require.NoError(t, err)
	require.NotEmpty(t, d.UID)
	ids := map[int]string{}
	exprs := 0
	for _, p := range d.AllPanels() {
		require.NotContains(t, ids, p.ID, "panel id %d of %q repeated (%q)", p.ID, p.Title, ids[p.ID])
		ids[p.ID] = p.Title
		if p.Type == "row" {
			continue
		}
		require.NotEmpty(t, p.Targets, "panel %q has no query", p.Title)
		for _, tg := range p.Targets {
			requireBalanced(t, tg.Expr)
			require.NotEmpty(t, MetricNames(tg.Expr), "panel %q: %q uses no metric", p.Title, tg.Expr)
			exprs++
		}
	}
	require.Greater(t, exprs, 30)
}

// TestDashboardCovers checks that the dashboard shows what operators need
// (issue 14): one metric per item.
func TestDashboardCovers(t *testing.T) {
	used, err := UsedMetrics(root)
	require.NoError(t, err)
	for _, m := range []string{
		"binlog_pump_rpc_duration_seconds_bucket", "binlog_pump_rpc_duration_seconds_count", // write rate, latency
		"binlog_pump_storage_storage_size_bytes", "binlog_pump_storage_max_commit_ts", "binlog_pump_storage_gc_ts",
		"binlog_pump_storage_error_count", "binlog_pump_storage_slow_chaser_count",
		"binlog_drainer_checkpoint_delay_seconds", "binlog_drainer_pump_position", "binlog_drainer_event",
		"binlog_drainer_execute_duration_time_bucket", "binlog_drainer_query_duration_time_bucket",
		"binlog_drainer_error_count", "binlog_drainer_queue_size", "binlog_drainer_disorder_binlog_count",
		"binlog_binlogfile_write_binlog_duration_time_bucket", "binlog_binlogfile_corruption_binlog_count",
		"binlog_arbiter_checkpoint_tso", "binlog_arbiter_event",
	} {
		require.Contains(t, used, m)
	}
}

func TestAlertRules(t *testing.T) {
	alerts, err := LoadAlerts(root)
	require.NoError(t, err)
	anchors := markdownAnchors(t, filepath.Join(root, OperationsPath))
	names := map[string]bool{}
	for _, a := range alerts {
		require.Regexp(t, `^[A-Z][A-Za-z]+$`, a.Name)
		require.False(t, names[a.Name], "alert %s repeated", a.Name)
		names[a.Name] = true
		requireBalanced(t, a.Expr)
		// up is Prometheus's own series of each scrape.
		require.True(t, len(MetricNames(a.Expr)) > 0 || strings.HasPrefix(a.Expr, "up{"), "alert %s uses no metric", a.Name)
		require.Contains(t, []string{"warning", "critical"}, a.Labels["severity"], a.Name)
		require.NotEmpty(t, a.Annotations["summary"], "alert %s has no summary", a.Name)
		require.NotEmpty(t, a.Annotations["description"], "alert %s has no description", a.Name)
		anchor, ok := strings.CutPrefix(a.Annotations["runbook_url"], OperationsPath+"#")
		require.True(t, ok, "alert %s: runbook_url must point at %s", a.Name, OperationsPath)
		require.True(t, anchors[anchor], "alert %s: no heading #%s in %s", a.Name, anchor, OperationsPath)
	}
	// What issue 14 asks to be alerted on, by the metric each alert watches.
	byMetric := map[string]bool{}
	for _, a := range alerts {
		for _, m := range MetricNames(a.Expr) {
			byMetric[m] = true
		}
	}
	for _, m := range []string{"binlog_pump_storage_error_count", "binlog_pump_loss_binlog_count",
		"binlog_pump_rpc_duration_seconds_count", "binlog_drainer_checkpoint_delay_seconds",
		"binlog_drainer_checkpoint_tso", "binlog_pump_detected_drainer_binlog_purge_count",
		"binlog_pump_storage_storage_size_bytes"} {
		require.True(t, byMetric[m], "no alert on %s", m)
	}
}

// TestOperationsDocNamesEveryAlert checks that every alert is explained
// under a heading of its own name.
func TestOperationsDocNamesEveryAlert(t *testing.T) {
	alerts, err := LoadAlerts(root)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(root, OperationsPath))
	require.NoError(t, err)
	for _, a := range alerts {
		require.Contains(t, string(b), a.Name, "%s does not mention alert %s", OperationsPath, a.Name)
	}
}

var heading = regexp.MustCompile(`(?m)^#{1,6} +(.+?) *$`)

// markdownAnchors returns the GitHub anchors of the headings of a Markdown
// file: lower case, spaces as '-', punctuation other than '-' and '_' dropped.
func markdownAnchors(t *testing.T, path string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	out := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(string(b), -1) {
		var sb strings.Builder
		for _, r := range strings.ToLower(m[1]) {
			switch {
			case r == ' ':
				sb.WriteRune('-')
			case r == '-' || r == '_' || (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9'):
				sb.WriteRune(r)
			}
		}
		out[sb.String()] = true
	}
	return out
}

// requireBalanced fails on unbalanced brackets or quotes in a PromQL expression.
func requireBalanced(t *testing.T, expr string) {
	t.Helper()
	require.NotEmpty(t, strings.TrimSpace(expr))
	var stack []rune
	pairs := map[rune]rune{')': '(', '}': '{', ']': '['}
	for _, r := range quoted.ReplaceAllString(expr, "s") {
		switch r {
		case '(', '{', '[':
			stack = append(stack, r)
		case ')', '}', ']':
			require.True(t, len(stack) > 0 && stack[len(stack)-1] == pairs[r], "unbalanced %q", expr)
			stack = stack[:len(stack)-1]
		case '"':
			require.Fail(t, "unterminated string", expr)
		}
	}
	require.Empty(t, stack, "unbalanced %q", expr)
}

func TestMetricNames(t *testing.T) {
	require.Equal(t, []string{"binlog_pump_rpc_duration_seconds_bucket", "process_open_fds"},
		MetricNames(`histogram_quantile(0.99, sum(rate(binlog_pump_rpc_duration_seconds_bucket{method="binlog_x"}[1m])) by (le)) + process_open_fds`))
	base, ok := HistogramBase("binlog_drainer_execute_duration_time_bucket")
	require.True(t, ok)
	require.Equal(t, "binlog_drainer_execute_duration_time", base)
	_, ok = HistogramBase("binlog_drainer_event")
	require.False(t, ok)
}

// TestOperationsDocLinks checks that every in-page link of
// docs/operations.md names one of its headings.
func TestOperationsDocLinks(t *testing.T) {
	path := filepath.Join(root, OperationsPath)
	anchors := markdownAnchors(t, path)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	links := regexp.MustCompile(`\]\(#([^)]+)\)`).FindAllStringSubmatch(string(b), -1)
	require.NotEmpty(t, links)
	for _, l := range links {
		require.True(t, anchors[l[1]], "link #%s of %s names no heading", l[1], OperationsPath)
	}
}
