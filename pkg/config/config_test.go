package config

import (
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type testKV struct {
	BlockSize int `toml:"block-size"`
}

type testStorage struct {
	SyncLog   bool     `toml:"sync-log"`
	StopWrite ByteSize `toml:"stop-write-at-available-space"`
	KV        testKV   `toml:"kv"`
}

type testConfig struct {
	ConfigFile string   `toml:"-"`
	Addr       string   `toml:"addr"`
	PDURLs     string   `toml:"pd-urls"`
	Heartbeat  int      `toml:"heartbeat-interval"`
	Interval   Duration `toml:"interval"`
	Storage    testStorage
}

func newTestConfig() (*testConfig, *flag.FlagSet) {
	c := &testConfig{Interval: Duration{3 * time.Second}, Storage: testStorage{SyncLog: true, StopWrite: 10 << 30}}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.ConfigFile, "config", "", "config file")
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8250", "listen address")
	fs.StringVar(&c.PDURLs, "pd-urls", "http://127.0.0.1:2379", "PD endpoints")
	fs.IntVar(&c.Heartbeat, "heartbeat-interval", 2, "seconds")
	fs.Var(&c.Interval, "interval", "duration")
	fs.Var(&c.Storage.StopWrite, "storage.stop-write", "bytes")
	return c, fs
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.toml")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

func TestLoad(t *testing.T) {
	const file = `
addr = "10.0.0.1:8250"
heartbeat-interval = 5
interval = "1m"
[Storage]
sync-log = false
stop-write-at-available-space = "42 MB"
[Storage.kv]
block-size = 8192
`
	for _, tc := range []struct {
		name  string
		file  string // "" = no -config
		args  []string
		env   map[string]string
		check func(t *testing.T, c *testConfig)
	}{
		{"defaults", "", nil, nil, func(t *testing.T, c *testConfig) {
			require.Equal(t, "127.0.0.1:8250", c.Addr)
			require.Equal(t, 3*time.Second, c.Interval.Duration)
			require.Equal(t, ByteSize(10<<30), c.Storage.StopWrite)
			require.True(t, c.Storage.SyncLog)
		}},
		{"file over defaults", file, nil, nil, func(t *testing.T, c *testConfig) {
			require.Equal(t, "10.0.0.1:8250", c.Addr)
			require.Equal(t, 5, c.Heartbeat)
			require.Equal(t, time.Minute, c.Interval.Duration)
			require.False(t, c.Storage.SyncLog)
			require.Equal(t, ByteSize(42_000_000), c.Storage.StopWrite)
			require.Equal(t, 8192, c.Storage.KV.BlockSize)
			require.Equal(t, "http://127.0.0.1:2379", c.PDURLs)
		}},
		{"flags over file", file, []string{"-addr", "0.0.0.0:1", "-interval=2h", "-storage.stop-write", "1GiB"}, nil,
			func(t *testing.T, c *testConfig) {
				require.Equal(t, "0.0.0.0:1", c.Addr)
				require.Equal(t, 2*time.Hour, c.Interval.Duration)
				require.Equal(t, ByteSize(1<<30), c.Storage.StopWrite)
				require.Equal(t, 5, c.Heartbeat)
			}},
		{"env over file, not over flags", file, []string{"-addr", "0.0.0.0:1"},
			map[string]string{"PUMP_ADDR": "env:1", "PUMP_HEARTBEAT_INTERVAL": "9", "PUMP_STORAGE_STOP_WRITE": "1 KiB"},
			func(t *testing.T, c *testConfig) {
				require.Equal(t, "0.0.0.0:1", c.Addr)
				require.Equal(t, 9, c.Heartbeat)
				require.Equal(t, ByteSize(1024), c.Storage.StopWrite)
			}},
		{"env without file", "", nil, map[string]string{"PUMP_PD_URLS": "http://pd:2379"},
			func(t *testing.T, c *testConfig) { require.Equal(t, "http://pd:2379", c.PDURLs) }},
		{"config flag from env is too late", "", nil, map[string]string{"PUMP_CONFIG": "/nonexistent.toml"},
			func(t *testing.T, c *testConfig) { require.Equal(t, "127.0.0.1:8250", c.Addr) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, fs := newTestConfig()
			args := tc.args
			if tc.file != "" {
				args = append([]string{"-config", writeFile(t, tc.file)}, args...)
			}
			lookup := func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok }
			require.NoError(t, load(fs, args, &c.ConfigFile, c, "PUMP_", lookup))
			tc.check(t, c)
			for name := range ExplicitFlags(fs) {
				require.True(t, strings.Contains(strings.Join(args, " "), "-"+name), "env made -%s explicit", name)
			}
		})
	}
}

func TestLoadEnvErrors(t *testing.T) {
	c, fs := newTestConfig()
	env := map[string]string{"PUMP_HEARTBEAT_INTERVAL": "often", "PUMP_INTERVAL": "soon"}
	err := load(fs, nil, &c.ConfigFile, c, "PUMP_", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	require.ErrorContains(t, err, "PUMP_HEARTBEAT_INTERVAL")
	require.ErrorContains(t, err, "PUMP_INTERVAL")

	// An empty prefix disables the environment.
	c, fs = newTestConfig()
	require.NoError(t, load(fs, nil, &c.ConfigFile, c, "", func(string) (string, bool) { return "x", true }))
	require.Equal(t, "127.0.0.1:8250", c.Addr)
}

func TestLoadRealEnv(t *testing.T) {
	t.Setenv("DRAINER_ADDR", "from-env:1")
	c, fs := newTestConfig()
	require.NoError(t, Load(fs, nil, &c.ConfigFile, c, "DRAINER_"))
	require.Equal(t, "from-env:1", c.Addr)
	require.Empty(t, ExplicitFlags(fs))
}

func TestLoadFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		is   error
		msg  string
	}{
		{[]string{"-h"}, flag.ErrHelp, ""},
		{[]string{"-nope"}, nil, "-nope"},
		{[]string{"-addr", "x", "stray"}, nil, `unexpected argument "stray"`},
		{[]string{"-heartbeat-interval", "x"}, nil, "heartbeat-interval"},
		{[]string{"-storage.stop-write", "-1"}, nil, "stop-write"},
	} {
		c, fs := newTestConfig()
		err := load(fs, tc.args, &c.ConfigFile, c, "", nil)
		require.Error(t, err, tc.args)
		if tc.is != nil {
			require.ErrorIs(t, err, tc.is)
		}
		require.ErrorContains(t, err, tc.msg)
	}
}

func TestStrictDecodeFileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		keys       []string // unknown keys expected
		msg        string   // else a substring of the one-line error
	}{
		{"top-level", "addr = \"a\"\nfoo = 1\n", []string{"foo"}, ""},
		{"nested", "[Storage]\nbar = 1\n[Storage.kv]\nzzz = 2\nblock-size = 1\n", []string{"Storage.bar", "Storage.kv.zzz"}, ""},
		{"unknown table", "[nope]\na = 1\nb = 2\n[Storage]\nsync-log = true\n", []string{"nope"}, ""},
		{"syntax", "addr = \"a\"\nheartbeat-interval = \n", nil, "line 2"},
		{"unterminated", "addr = \"a\n", nil, "line 1"},
		{"type", "addr = \"a\"\n\nheartbeat-interval = \"x\"\n", nil, "heartbeat-interval"},
		{"bad duration", "interval = \"3 parsecs\"\n", nil, "interval"},
		{"bad size", "[Storage]\nstop-write-at-available-space = \"lots\"\n", nil, "lots"},
		{"negative size", "[Storage]\nstop-write-at-available-space = -5\n", nil, "-5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.file)
			var c testConfig
			err := StrictDecodeFile(path, &c)
			require.Error(t, err)
			require.NotContains(t, err.Error(), "\n")
			require.Contains(t, err.Error(), path)
			var uk *UnknownKeysError
			if tc.keys != nil {
				require.ErrorAs(t, err, &uk)
				require.Equal(t, tc.keys, uk.Keys)
				require.Equal(t, "config file "+path+" contained unknown configuration options: "+
					strings.Join(tc.keys, ", "), err.Error())
				return
			}
			require.False(t, errors.As(err, &uk))
			require.Contains(t, err.Error(), tc.msg)
		})
	}
	err := StrictDecodeFile(filepath.Join(t.TempDir(), "missing.toml"), &testConfig{})
	require.ErrorIs(t, err, fs.ErrNotExist)
}

func TestByteSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want ByteSize
	}{
		{"0", 0}, {"1024", 1024}, {"42 MB", 42_000_000}, {"42MB", 42_000_000}, {"10 gib", 10 << 30},
		{"10GiB", 10 << 30}, {"1.5 KiB", 1536}, {" 8 mib ", 8 << 20}, {"18446744073709551615", 1<<64 - 1},
	} {
		got, err := ParseByteSize(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
	for _, bad := range []string{"", "-1", "lots", "10 XB", "1e400"} {
		_, err := ParseByteSize(bad)
		require.ErrorIs(t, err, ErrInvalidByteSize, bad)
	}
	for _, tc := range []struct {
		in   ByteSize
		want string
	}{
		{0, "0"}, {1000, "1000"}, {1024, "1 KiB"}, {1536, "1536"}, {10 << 30, "10 GiB"}, {3 << 60, "3 EiB"},
		{42_000_000, "42000000"},
	} {
		require.Equal(t, tc.want, tc.in.String())
		text, err := tc.in.MarshalText()
		require.NoError(t, err)
		var back ByteSize
		require.NoError(t, back.UnmarshalText(text))
		require.Equal(t, tc.in, back)
	}
}

func TestByteSizeFromTOMLInteger(t *testing.T) {
	var c testConfig
	require.NoError(t, StrictDecodeFile(writeFile(t, "[Storage]\nstop-write-at-available-space = 1048576\n"), &c))
	require.Equal(t, ByteSize(1<<20), c.Storage.StopWrite)
}

func TestDuration(t *testing.T) {
	var d Duration
	require.NoError(t, d.Set("1m30s"))
	require.Equal(t, 90*time.Second, d.Duration)
	require.Equal(t, "1m30s", d.String())
	text, err := d.MarshalText()
	require.NoError(t, err)
	require.Equal(t, "1m30s", string(text))
	require.Error(t, d.Set("3"))
	require.Error(t, d.UnmarshalText([]byte("soon")))
	require.Equal(t, 90*time.Second, d.Duration, "failed parse must not change the value")
}

func TestRedact(t *testing.T) {
	require.Equal(t, "", Redact(""))
	require.Equal(t, "******", Redact("secret"))
	require.Equal(t, "******", Redact(" "))
}

func TestEnvName(t *testing.T) {
	require.Equal(t, "PUMP_PD_URLS", EnvName("PUMP_", "pd-urls"))
	require.Equal(t, "DRAINER_SYNCER_DB_TYPE", EnvName("DRAINER_", "syncer.db-type"))
}

func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"0", "42 MB", "10 gib", "1.5KiB", "-1", "1e3", "18446744073709551615 EiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseByteSize(s)
		if err != nil {
			return
		}
		back, err := ParseByteSize(b.String())
		require.NoError(t, err)
		require.Equal(t, b, back)
	})
}

func TestSplitList(t *testing.T) {
	require.Equal(t, []string{"http://a:1", "http://b:2"}, SplitList(" http://a:1, ,http://b:2 ,"))
	require.Empty(t, SplitList(""))
	require.Empty(t, SplitList(" , "))
}
