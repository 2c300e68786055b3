package main

import (
	"bytes"
	"testing"

	"github.com/openbinlog/tidb-binlog/binlogctl"
	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/testutil"
)

func TestMain(m *testing.M) {
	pd.SetClientLogger(zap.NewNop())
	goleak.VerifyTestMain(m)
}

func TestREADMEFlagTableMatchesFlagSet(t *testing.T) {
	testutil.RequireFlagTable(t, "README.md", binlogctl.NewFlagSet(binlogctl.NewConfig()), nil)
}

func TestRunExitCodes(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"-V"}, &out, &errOut))
	require.Contains(t, out.String(), "Release Version")

	out.Reset()
	require.Equal(t, 0, run([]string{"-cmd", "encrypt", "-text", "pw"}, &out, &errOut))
	require.Regexp(t, `^encrypted=[A-Za-z0-9+/]+=*\n$`, out.String())
	out.Reset()
	require.Equal(t, 1, run([]string{"-cmd", "encrypt"}, &out, &errOut), "encrypt without -text is refused")
	require.Empty(t, out.String())

	require.Equal(t, 2, run([]string{"-no-such-flag"}, &out, &errOut))
	require.Contains(t, errOut.String(), "no-such-flag")
	errOut.Reset()
	require.Equal(t, 2, run([]string{"-cmd", "pumps", "extra"}, &out, &errOut))
	require.Contains(t, errOut.String(), "'extra' is not a valid flag")

	require.Equal(t, 1, run([]string{"-cmd", "not-a-command"}, &out, &errOut), "unknown cmd fails")
	require.Equal(t, 1, run([]string{"-cmd", "update-pump", "-node-id", "x", "-state", "bogus"}, &out, &errOut))
}
