package opskit

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/stretchr/testify/require"
)

// subsystems of the binlog namespace, longest first.
var subsystems = []string{"pump_storage", "pump", "drainer", "binlogfile", "arbiter"}

// TestUsedMetricsAreRegistered checks without starting anything that every
// binlog_* name of the dashboard and the alerts is registered by our code
// (its subsystem and name appear as string literals in one source file of
// pump/, drainer/, pkg/ or arbiter/), and that every process_* and go_* name
// is one the standard collectors export. The integration tier
// (tests/ops_test.go) checks the same names on live /metrics.
func TestUsedMetricsAreRegistered(t *testing.T) {
	used, err := UsedMetrics(root)
	require.NoError(t, err)
	sources := metricSources(t)
	std := standardNames(t)
	for name, where := range used {
		if !strings.HasPrefix(name, "binlog_") {
			require.True(t, std[name], "%s (used by %v) is not exported by the process and Go collectors", name, where)
			continue
		}
		ok := registered(sources, name)
		if base, isHist := HistogramBase(name); !ok && isHist {
			ok = registered(sources, base)
		}
		require.True(t, ok, "%s (used by %v) is registered nowhere in pump/, drainer/, pkg/, arbiter/", name, where)
	}
}

// registered tells whether a source file holds both the subsystem and the
// rest of a binlog_<subsystem>_<name> metric name as string literals.
func registered(sources []string, name string) bool {
	rest := strings.TrimPrefix(name, "binlog_")
	for _, sub := range subsystems {
		n, ok := strings.CutPrefix(rest, sub+"_")
		if !ok {
			continue
		}
		for _, src := range sources {
			if strings.Contains(src, `"`+sub+`"`) && strings.Contains(src, `"`+n+`"`) {
				return true
			}
		}
	}
	return false
}

// metricSources returns the non-test Go files that mention prometheus.
func metricSources(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, dir := range []string{"pump", "drainer", "pkg", "arbiter"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			b, err := os.ReadFile(path)
			if err == nil && strings.Contains(string(b), "prometheus") {
				out = append(out, string(b))
			}
			return err
		})
		require.NoError(t, err)
	}
	require.NotEmpty(t, out)
	return out
}

// standardNames are the sample names of the process and Go collectors every
// daemon registers.
func standardNames(t *testing.T) map[string]bool {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	mfs, err := reg.Gather()
	require.NoError(t, err)
	out := map[string]bool{}
	for _, mf := range mfs {
		out[mf.GetName()] = true
	}
	return out
}
