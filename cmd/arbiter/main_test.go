package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/openbinlog/tidb-binlog/arbiter"
	"github.com/openbinlog/tidb-binlog/pkg/testutil"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/rcrowley/go-metrics.(*meterArbiter).tick"))
}

func TestREADMEFlagTableMatchesFlagSet(t *testing.T) {
	fs := flag.NewFlagSet("arbiter", flag.ContinueOnError)
	arbiter.DefaultConfig().AddFlags(fs)
	testutil.RequireFlagTable(t, "README.md", fs, nil)
}

func TestSampleConfigParses(t *testing.T) {
	cfg := arbiter.DefaultConfig()
	err := cfg.Parse([]string{"-config", "arbiter.toml"})
	require.ErrorIs(t, err, arbiter.ErrInvalidConfig, "the sample leaves the topic to fill in")
	require.ErrorContains(t, err, "topic")
	def := arbiter.DefaultConfig()
	require.Equal(t, def.String(), cfg.String(), "the sample holds the defaults")

	withTopic := filepath.Join(t.TempDir(), "a.toml")
	b, err := os.ReadFile("arbiter.toml")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(withTopic, bytes.Replace(b, []byte(`topic = ""`), []byte(`topic = "6_obinlog"`), 1), 0o644))
	cfg = arbiter.DefaultConfig()
	require.NoError(t, cfg.Parse([]string{"-config", withTopic, "-safe-mode"}))
	require.Equal(t, "6_obinlog", cfg.Up.Topic)
	require.True(t, cfg.Down.SafeMode)
}

// TestOriginalSampleLoads: the original arbiter's sample file loads.
func TestOriginalSampleLoads(t *testing.T) {
	cfg := arbiter.DefaultConfig()
	require.NoError(t, cfg.Parse([]string{"-config", filepath.Join("testdata", "original_arbiter.toml")}))
	require.Equal(t, "127.0.0.1:9092", cfg.Up.KafkaAddrs)
	require.Equal(t, "6704433497226545165_obinlog", cfg.Up.Topic)
	require.Equal(t, 16, cfg.Down.WorkerCount)
	require.Equal(t, 64, cfg.Down.BatchSize)
	require.Equal(t, "127.0.0.1:9091", cfg.Metrics.Addr)
}

func TestEnvironment(t *testing.T) {
	t.Setenv("BINLOG_SERVER_METRICS_ADDR", "10.0.0.1:9091")
	cfg := arbiter.DefaultConfig()
	dir := t.TempDir()
	conf := filepath.Join(dir, "a.toml")
	require.NoError(t, os.WriteFile(conf, []byte("[up]\ntopic = \"t\"\n"), 0o644))
	require.NoError(t, cfg.Parse([]string{"-config", conf}))
	require.Equal(t, "10.0.0.1:9091", cfg.Metrics.Addr)
}

func TestRunVersionAndBadConfig(t *testing.T) {
	ctx := context.Background()
	var out, errOut bytes.Buffer
	require.Equal(t, exitOK, run(ctx, []string{"-V"}, &out, &errOut))
	require.NotEmpty(t, out.String())

	errOut.Reset()
	require.Equal(t, exitConfig, run(ctx, []string{"-no-such-flag"}, &out, &errOut))
	require.Contains(t, errOut.String(), "no-such-flag")

	errOut.Reset()
	require.Equal(t, exitConfig, run(ctx, nil, &out, &errOut))
	require.Contains(t, errOut.String(), "topic")

	conf := filepath.Join(t.TempDir(), "a.toml")
	require.NoError(t, os.WriteFile(conf, []byte("[up]\ntopic = \"t\"\nno-such-key = 1\n"), 0o644))
	errOut.Reset()
	require.Equal(t, exitConfig, run(ctx, []string{"-config", conf}, &out, &errOut))
	require.Contains(t, errOut.String(), "no-such-key")
}

func TestRunUnreachableDownstream(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "a.toml")
	require.NoError(t, os.WriteFile(conf, []byte("[up]\ntopic = \"t\"\n[down]\nhost = \"127.0.0.1\"\nport = 1\n"), 0o644))
	var out, errOut bytes.Buffer
	require.Equal(t, exitFailed, run(context.Background(), []string{"-config", conf, "-L", "fatal"}, &out, &errOut))
	require.Contains(t, errOut.String(), "127.0.0.1:1")
}
