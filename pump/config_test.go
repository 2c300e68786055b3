package pump

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/stretchr/testify/require"
)

func writeTOML(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pump.toml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

func parse(t *testing.T, args ...string) (*Config, error) {
	t.Helper()
	cfg := DefaultConfig()
	return cfg, cfg.Parse(args)
}

func TestSampleConfigFile(t *testing.T) {
	cfg, err := parse(t, "-config", "../cmd/pump/pump.toml")
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8250", cfg.ListenAddr)
	require.Equal(t, "127.0.0.1:8250", cfg.AdvertiseAddr)
	require.Equal(t, 7*24*time.Hour, cfg.GC.Duration)
	require.Equal(t, 200*time.Millisecond, cfg.GenBinlogInterval.Duration)
	require.Equal(t, config.ByteSize(10<<30), cfg.Storage.StopWriteAtAvailableSpace)
	require.Equal(t, 17, cfg.Storage.KV.WriteL0SlowdownTrigger)
	require.True(t, cfg.Storage.SyncLog)
}

func TestUnknownKeysFail(t *testing.T) {
	for _, content := range []string{"no-such-key = 1\n", "[storage]\nbogus = true\n", "[storage.kv]\nbogus = 1\n"} {
		_, err := parse(t, "-config", writeTOML(t, content))
		var unknown *config.UnknownKeysError
		require.ErrorAs(t, err, &unknown, content)
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := parse(t)
	require.NoError(t, err)
	require.True(t, strings.HasSuffix(cfg.ListenAddr, ":8250"))
	require.Equal(t, cfg.ListenAddr, cfg.AdvertiseAddr)
	require.Equal(t, DefaultPDURLs, cfg.PDURLs)
	require.Equal(t, "data.pump", cfg.DataDir)
	require.Equal(t, 2, cfg.HeartbeatInterval)
	require.Equal(t, 600, cfg.MaxTxnTimeout)
	require.Equal(t, 15, cfg.MetricsInterval)
	require.Equal(t, DefaultKVChanCap, cfg.Storage.KVChanCap)
	require.InDelta(t, 1.0, cfg.Storage.SlowWriteThreshold, 0)
}

func TestGCForms(t *testing.T) {
	cases := []struct {
		file, flag string
		want       time.Duration
	}{
		{file: "gc = 3", want: 72 * time.Hour},
		{file: "gc = 0.5", want: 12 * time.Hour},
		{file: `gc = "8h"`, want: 8 * time.Hour},
		{file: `gc = "2"`, want: 48 * time.Hour},
		{flag: "8h", want: 8 * time.Hour},
		{flag: "1", want: 24 * time.Hour},
		{file: "gc = 3", flag: "90m", want: 90 * time.Minute},
	}
	for _, c := range cases {
		args := []string{"-config", writeTOML(t, c.file+"\n")}
		if c.flag != "" {
			args = append(args, "-gc", c.flag)
		}
		cfg, err := parse(t, args...)
		require.NoError(t, err, c)
		require.Equal(t, c.want, cfg.GC.Duration, c)
	}
	for _, bad := range []string{"0", "-1", "0s", "abc"} {
		_, err := parse(t, "-gc", bad)
		require.Error(t, err, bad)
	}
	_, err := parse(t, "-config", writeTOML(t, "gc = 0\n"))
	require.ErrorIs(t, err, ErrInvalidConfig)
	require.Contains(t, err.Error(), "gc must be > 0")
}

func TestFakeBinlogIntervalSpellings(t *testing.T) {
	cases := []struct {
		name string
		args []string
		file string
		want time.Duration
	}{
		{"toml key", nil, "gen-binlog-interval = 5", 5 * time.Second},
		{"flag spelling in toml", nil, "fake-binlog-interval = 7", 7 * time.Second},
		{"sub-second", nil, `gen-binlog-interval = "200ms"`, 200 * time.Millisecond},
		{"float", nil, "gen-binlog-interval = 0.5", 500 * time.Millisecond},
		{"flag", []string{"-fake-binlog-interval", "4"}, "gen-binlog-interval = 5", 4 * time.Second},
		{"toml spelling as flag", []string{"-gen-binlog-interval", "6"}, "fake-binlog-interval = 7", 6 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"-config", writeTOML(t, c.file+"\n")}, c.args...)
			cfg, err := parse(t, args...)
			require.NoError(t, err)
			require.Equal(t, c.want, cfg.GenBinlogInterval.Duration)
		})
	}
}

func TestEnvironment(t *testing.T) {
	t.Setenv("PUMP_PD_URLS", "http://10.0.0.1:2379")
	t.Setenv("PUMP_GC", "8h")
	t.Setenv("PUMP_HEARTBEAT_INTERVAL", "9")
	cfg, err := parse(t, "-heartbeat-interval", "4")
	require.NoError(t, err)
	require.Equal(t, "http://10.0.0.1:2379", cfg.PDURLs)
	require.Equal(t, 8*time.Hour, cfg.GC.Duration)
	require.Equal(t, 4, cfg.HeartbeatInterval, "explicit flags win over the environment")
}

func TestDeprecatedFlagsWarn(t *testing.T) {
	cfg, err := parse(t, "-binlog-file-size", "10", "-enable-binlog-slice", "-binlog-slice-size", "3", "-log-rotate", "day")
	require.NoError(t, err)
	require.Len(t, cfg.Warnings, 4)
	require.Contains(t, cfg.Warnings[0], "deprecated")
}

func TestValidation(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"-addr", "0.0.0.0:8250"}, "advertise-addr"},
		{[]string{"-advertise-addr", ":8250"}, "advertise-addr"},
		{[]string{"-addr", "nohostport"}, "addr"},
		{[]string{"-pd-urls", "http://%zz"}, "pd-urls"},
		{[]string{"-pd-urls", ","}, "pd-urls"},
		{[]string{"-tidb-status-urls", "ftp://x:1"}, "tidb-status-urls"},
		{[]string{"-heartbeat-interval", "0"}, "heartbeat-interval"},
		{[]string{"-fake-binlog-interval", "0"}, "gen-binlog-interval"},
		{[]string{"-L", "loud"}, "log level"},
	}
	for _, c := range cases {
		_, err := parse(t, c.args...)
		require.ErrorIs(t, err, ErrInvalidConfig, c.args)
		require.Contains(t, err.Error(), c.want)
		require.NotContains(t, err.Error(), "\n")
	}
	cfg, err := parse(t, "-addr", "0.0.0.0:8250", "-advertise-addr", "10.1.1.1:8250", "-pd-urls", "127.0.0.1:2379,https://h:1")
	require.NoError(t, err)
	require.Equal(t, "10.1.1.1:8250", cfg.AdvertiseAddr)
	cfg, err = parse(t, "-addr", "http://127.0.0.1:9000")
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:9000", cfg.ListenAddr)
}

func TestStringRedacts(t *testing.T) {
	cfg, err := parse(t, "-pd-urls", "http://root:secret@127.0.0.1:2379", "-addr", "127.0.0.1:1")
	require.NoError(t, err)
	cfg.Security.SSLKey = "/keys/private.pem"
	s := cfg.String()
	require.NotContains(t, s, "secret")
	require.NotContains(t, s, "private.pem")
	require.Contains(t, s, "127.0.0.1:2379")
	require.Contains(t, s, `"gc":"7"`)
}

func TestTypesRoundTrip(t *testing.T) {
	var s Seconds
	require.NoError(t, s.Set("1.5"))
	require.Equal(t, "1.5s", s.String())
	require.NoError(t, s.Set("2"))
	require.Equal(t, "2", s.String())
	require.Error(t, s.UnmarshalTOML(true))
	var r Retention
	require.NoError(t, r.Set("36h"))
	require.Equal(t, "36h0m0s", r.String())
	require.Error(t, r.UnmarshalTOML([]any{}))
	var l StringList
	require.NoError(t, l.UnmarshalTOML([]any{"a,b", " c "}))
	require.Equal(t, StringList{"a", "b", "c"}, l)
	require.Error(t, l.UnmarshalTOML([]any{1}))
}

func FuzzParseSeconds(f *testing.F) {
	for _, seed := range []string{"3", "0.5", "500ms", "1e300", "NaN", "-2", "", "1h2m"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var s Seconds
		if s.Set(in) == nil {
			var back Seconds
			require.NoError(t, back.Set(s.String()))
			require.Equal(t, s, back)
		}
		var r Retention
		if r.Set(in) == nil {
			var back Retention
			require.NoError(t, back.Set(r.String()))
			require.Equal(t, r, back)
		}
	})
}

func TestStorageOptionsTakeMaxTxnTimeout(t *testing.T) {
	cfg := DefaultConfig()
	require.Equal(t, 600*time.Second, cfg.storageOptions().MaxTxnTimeout, "the GC margin of the original")
	cfg.MaxTxnTimeout = 1200
	require.Equal(t, 1200*time.Second, cfg.storageOptions().MaxTxnTimeout)
}
