package main

import (
	"bytes"
	"flag"
	"testing"

	"github.com/openbinlog/tidb-binlog/drainer"
	"github.com/openbinlog/tidb-binlog/pkg/testutil"
	"github.com/stretchr/testify/require"
)

func TestREADMEFlagTableMatchesFlagSet(t *testing.T) {
	fs := flag.NewFlagSet("drainer", flag.ContinueOnError)
	drainer.DefaultConfig().AddFlags(fs)
	testutil.RequireFlagTable(t, "README.md", fs, map[string]string{"addr": "<first non-loopback IP>:8249"})
}

func TestRunVersionAndBadFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"-V"}, &out, &errOut))
	require.NotEmpty(t, out.String())

	errOut.Reset()
	require.Equal(t, 2, run([]string{"-no-such-flag"}, &out, &errOut))
	require.Contains(t, errOut.String(), "no-such-flag")

	errOut.Reset()
	require.Equal(t, 2, run([]string{"-dest-db-type", "flash"}, &out, &errOut))
	require.Contains(t, errOut.String(), "db-type")
}

func TestSampleConfigParses(t *testing.T) {
	cfg := drainer.DefaultConfig()
	require.NoError(t, cfg.Parse([]string{"-config", "drainer.toml"}))
	def := drainer.DefaultConfig()
	require.NoError(t, def.Parse([]string{"-addr", "127.0.0.1:8249", "-c", "16"}))
	def.Syncer.To.Host = "127.0.0.1"
	def.Syncer.To.Checkpoint.Host = "127.0.0.1"
	on := true
	def.Syncer.EnableDispatchFile, def.Syncer.EnableCausalityFile = &on, &on
	require.Equal(t, def.String(), cfg.String())
}
