package main

import (
	"bytes"
	"flag"
	"testing"

	"github.com/openbinlog/tidb-binlog/pump"
	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/testutil"
)

func TestREADMEFlagTableMatchesFlagSet(t *testing.T) {
	fs := flag.NewFlagSet("pump", flag.ContinueOnError)
	pump.DefaultConfig().AddFlags(fs)
	testutil.RequireFlagTable(t, "README.md", fs, map[string]string{"addr": "<first non-loopback IP>:8250"})
}

func TestRunVersionAndBadFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"-V"}, &out, &errOut))
	require.NotEmpty(t, out.String())

	errOut.Reset()
	require.Equal(t, 2, run([]string{"-no-such-flag"}, &out, &errOut))
	require.Contains(t, errOut.String(), "no-such-flag")

	errOut.Reset()
	require.Equal(t, 2, run([]string{"-advertise-addr", "0.0.0.0:8250"}, &out, &errOut))
	require.Contains(t, errOut.String(), "advertise-addr")
}

func TestSampleConfigParses(t *testing.T) {
	cfg := pump.DefaultConfig()
	require.NoError(t, cfg.Parse([]string{"-config", "pump.toml"}))
	def := pump.DefaultConfig()
	def.ListenAddr = "127.0.0.1:8250"
	def.AdvertiseAddr = "127.0.0.1:8250"
	require.Equal(t, def.String(), cfg.String())
}
