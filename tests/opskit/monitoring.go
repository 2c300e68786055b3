package opskit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Paths of the kit's files, relative to the repository root.
const (
	DashboardPath  = "docs/monitoring/tidb-binlog-dashboard.json"
	AlertsPath     = "docs/monitoring/tidb-binlog-alerts.yml"
	OperationsPath = "docs/operations.md"
)

// Alert is one alerting rule of the rules file.
type Alert struct {
	Group       string
	Name        string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

type ruleFile struct {
	Groups []struct {
		Name  string  `yaml:"name"`
		Rules []Alert `yaml:"rules"`
	} `yaml:"groups"`
}

// LoadAlerts reads the alerting rules of the rules file under root; unknown
// keys are an error.
func LoadAlerts(root string) ([]Alert, error) {
	f, err := os.Open(filepath.Join(root, AlertsPath))
	if err != nil {
		return nil, fmt.Errorf("open alert rules: %w", err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	dec.KnownFields(true)
	var rf ruleFile
	if err := dec.Decode(&rf); err != nil {
		return nil, fmt.Errorf("parse %s: %w", AlertsPath, err)
	}
	var out []Alert
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			r.Group = g.Name
			out = append(out, r)
		}
	}
	return out, nil
}

// Panel is a dashboard panel; rows hold their panels when collapsed.
type Panel struct {
	ID      int     `json:"id"`
	Type    string  `json:"type"`
	Title   string  `json:"title"`
	Panels  []Panel `json:"panels"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
}

// Dashboard is the part of the Grafana dashboard model the checks read.
type Dashboard struct {
	Title  string  `json:"title"`
	UID    string  `json:"uid"`
	Panels []Panel `json:"panels"`
}

// LoadDashboard reads the Grafana dashboard under root.
func LoadDashboard(root string) (*Dashboard, error) {
	b, err := os.ReadFile(filepath.Join(root, DashboardPath))
	if err != nil {
		return nil, fmt.Errorf("read dashboard: %w", err)
	}
	d := new(Dashboard)
	if err := json.Unmarshal(b, d); err != nil {
		return nil, fmt.Errorf("parse %s: %w", DashboardPath, err)
	}
	return d, nil
}

// AllPanels returns the dashboard's panels, those inside rows included.
func (d *Dashboard) AllPanels() []Panel {
	var out []Panel
	var walk func([]Panel)
	walk = func(ps []Panel) {
		for _, p := range ps {
			out = append(out, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

var (
	quoted     = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	identifier = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
)

// MetricNames returns the sorted metric names an expression uses: the
// identifiers with the prefix binlog_, process_ or go_, label values left out.
func MetricNames(expr string) []string {
	set := map[string]bool{}
	for _, id := range identifier.FindAllString(quoted.ReplaceAllString(expr, `""`), -1) {
		for _, p := range []string{"binlog_", "process_", "go_"} {
			if strings.HasPrefix(id, p) {
				set[id] = true
			}
		}
	}
	return sortedKeys(set)
}

// UsedMetrics maps every metric name used by the dashboard and the alert
// rules under root to where it is used ("dashboard: <panel>", "alert: <name>").
func UsedMetrics(root string) (map[string][]string, error) {
	d, err := LoadDashboard(root)
	if err != nil {
		return nil, err
	}
	alerts, err := LoadAlerts(root)
	if err != nil {
		return nil, err
	}
	used := map[string][]string{}
	for _, p := range d.AllPanels() {
		for _, t := range p.Targets {
			for _, n := range MetricNames(t.Expr) {
				used[n] = append(used[n], "dashboard: "+p.Title)
			}
		}
	}
	for _, a := range alerts {
		for _, n := range MetricNames(a.Expr) {
			used[n] = append(used[n], "alert: "+a.Name)
		}
	}
	return used, nil
}

// HistogramBase returns the histogram family name of a _bucket, _sum or
// _count sample name, and false for any other name.
func HistogramBase(name string) (string, bool) {
	for _, s := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, s); ok {
			return base, true
		}
	}
	return "", false
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
