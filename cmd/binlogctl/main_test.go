package main

import (
	"bytes"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/openbinlog/tidb-binlog/binlogctl"
	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"go.uber.org/zap"
)

func TestMain(m *testing.M) {
	pd.SetClientLogger(zap.NewNop())
	goleak.VerifyTestMain(m)
}

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
	fs := binlogctl.NewFlagSet(binlogctl.NewConfig())
	real := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) {
		def := f.DefValue
		if def == "" {
			def = `""`
		}
		real[f.Name] = def
	})
	require.Equal(t, real, readmeFlags(t))
}

func TestRunExitCodes(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"-V"}, &out, &errOut))
	require.Contains(t, out.String(), "Release Version")

	out.Reset()
	require.Equal(t, 0, run([]string{"-cmd", "encrypt", "-text", "pw"}, &out, &errOut))
	require.Regexp(t, `^encrypted=[A-Za-z0-9+/]+=*\n$`, out.String())

	require.Equal(t, 2, run([]string{"-no-such-flag"}, &out, &errOut))
	require.Contains(t, errOut.String(), "no-such-flag")
	errOut.Reset()
	require.Equal(t, 2, run([]string{"-cmd", "pumps", "extra"}, &out, &errOut))
	require.Contains(t, errOut.String(), "'extra' is not a valid flag")

	require.Equal(t, 1, run([]string{"-cmd", "not-a-command"}, &out, &errOut), "unknown cmd fails")
	require.Equal(t, 1, run([]string{"-cmd", "update-pump", "-node-id", "x", "-state", "bogus"}, &out, &errOut))
}
