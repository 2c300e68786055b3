package opskit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// alertTestsPath holds the promtool unit tests of the alert rules.
const alertTestsPath = "docs/monitoring/tidb-binlog-alerts_test.yml"

// TestEveryAlertIsTested checks that the promtool tests make every alert
// fire at least once.
func TestEveryAlertIsTested(t *testing.T) {
	alerts, err := LoadAlerts(root)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(root, alertTestsPath))
	require.NoError(t, err)
	var f struct {
		RuleFiles []string `yaml:"rule_files"`
		Tests     []struct {
			AlertRuleTest []struct {
				AlertName string           `yaml:"alertname"`
				ExpAlerts []map[string]any `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	require.NoError(t, yaml.Unmarshal(b, &f))
	require.Equal(t, []string{filepath.Base(AlertsPath)}, f.RuleFiles)
	fired := map[string]bool{}
	for _, tc := range f.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fired[a.AlertName] = true
			}
		}
	}
	for _, a := range alerts {
		require.True(t, fired[a.Name], "no promtool test makes %s fire", a.Name)
	}
}

// TestPromtool checks the PromQL of the rules and of the dashboard with
// promtool and runs the rules' unit tests, when promtool is installed.
func TestPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool is not installed (Debian package prometheus): the PromQL syntax and the alert unit tests were not run")
	}
	run := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command(promtool, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "promtool %v:\n%s", args, out)
	}
	run(root, "check", "rules", AlertsPath)
	run(filepath.Join(root, "docs", "monitoring"), "test", "rules", filepath.Base(alertTestsPath))

	// Each dashboard query as a recording rule: promtool parses its PromQL.
	d, err := LoadDashboard(root)
	require.NoError(t, err)
	var rules []map[string]string
	for _, p := range d.AllPanels() {
		for _, tg := range p.Targets {
			rules = append(rules, map[string]string{"record": fmt.Sprintf("dashboard:panel_%d_%s", p.ID, tg.RefID), "expr": tg.Expr})
		}
	}
	b, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "dashboard-rules.yml")
	require.NoError(t, os.WriteFile(path, b, 0o644))
	run(root, "check", "rules", path)
}
