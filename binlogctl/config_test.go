package binlogctl

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestConfigDefaults(t *testing.T) {
	c := NewConfig()
	require.NoError(t, c.Parse(nil))
	require.Equal(t, CmdPumps, c.Command)
	require.Equal(t, DefaultPDURLs, c.PDURLs)
	require.Equal(t, DefaultDataDir, c.DataDir)
	require.Equal(t, DefaultTimeout, c.Timeout)
	require.False(t, c.ShowOfflineNodes)
	require.False(t, c.PrintVersion)

	fs := NewFlagSet(NewConfig())
	defaults := map[string]string{
		"cmd": "pumps", "pd-urls": "http://127.0.0.1:2379", "data-dir": "binlog_position",
		"node-id": "", "state": "", "time-zone": "", "text": "", "ssl-ca": "", "ssl-cert": "", "ssl-key": "",
		"show-offline-nodes": "false", "V": "false",
	}
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		want, ok := defaults[f.Name]
		require.True(t, ok, "unexpected flag -%s", f.Name)
		require.Equal(t, want, f.DefValue, f.Name)
		n++
	})
	require.Equal(t, len(defaults), n)
}

func TestConfigParse(t *testing.T) {
	c := NewConfig()
	require.NoError(t, c.Parse([]string{
		"-cmd", "update-pump", "-node-id", "p1:8250", "-state", "paused", "-pd-urls", "127.0.0.1:2379,127.0.0.1:2380",
		"-data-dir", "", "-show-offline-nodes", "-time-zone", "Local", "-text", "secret",
	}))
	require.Equal(t, CmdUpdatePump, c.Command)
	require.Equal(t, "p1:8250", c.NodeID)
	require.Equal(t, "paused", c.State)
	require.Equal(t, DefaultDataDir, c.DataDir, "an empty data dir falls back to the default")
	require.True(t, c.ShowOfflineNodes)
	require.Equal(t, "Local", c.TimeZone)
	require.Equal(t, "secret", c.Text)
}

func TestConfigParseErrors(t *testing.T) {
	err := NewConfig().Parse([]string{"-cmd", "pumps", "extra"})
	require.ErrorIs(t, err, ErrBadFlag)
	require.Contains(t, err.Error(), "'extra' is not a valid flag")

	require.Error(t, NewConfig().Parse([]string{"-no-such-flag"}))
	require.True(t, errors.Is(NewConfig().Parse([]string{"-h"}), flag.ErrHelp))
	require.Error(t, NewConfig().Parse([]string{"-pd-urls", " , "}))

	missing := filepath.Join(t.TempDir(), "ca.pem")
	err = NewConfig().Parse([]string{"-ssl-ca", missing})
	require.ErrorContains(t, err, "tls config")

	bad := filepath.Join(t.TempDir(), "bad.pem")
	require.NoError(t, os.WriteFile(bad, []byte("not a pem"), 0o600))
	require.Error(t, NewConfig().Parse([]string{"-ssl-ca", bad}))
}
