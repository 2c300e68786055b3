package main

import (
	"bytes"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/openbinlog/tidb-binlog/pump"
	"github.com/stretchr/testify/require"
)

// readmeFlags returns flag name -> default from the README's flag table.
func readmeFlags(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	require.NoError(t, err)
	row := regexp.MustCompile("^\\| `-([A-Za-z0-9-]+)` \\| `([^`]*)` \\|")
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if m := row.FindStringSubmatch(line); m != nil {
			out[m[1]] = m[2]
		}
	}
	return out
}

func TestREADMEFlagTableMatchesFlagSet(t *testing.T) {
	documented := readmeFlags(t)
	fs := flag.NewFlagSet("pump", flag.ContinueOnError)
	pump.DefaultConfig().AddFlags(fs)
	real := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) {
		def := f.DefValue
		switch {
		case f.Name == "addr":
			def = "<first non-loopback IP>:8250"
		case def == "":
			def = `""`
		}
		real[f.Name] = def
	})
	require.Equal(t, real, documented)
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
