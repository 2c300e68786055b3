package opskit

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/arbiter"
	"github.com/openbinlog/tidb-binlog/drainer"
	"github.com/openbinlog/tidb-binlog/pump"
	"github.com/openbinlog/tidb-binlog/reparo"
)

// root is the repository root seen from this package.
const root = "../.."

// unitFile is a parsed systemd unit: section -> key -> values in order.
type unitFile map[string]map[string][]string

func (u unitFile) get(section, key string) string {
	v := u[section][key]
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}

// parseUnit reads the INI syntax of systemd units: [Section] headers,
// Key=Value lines, # and ; comments. Continuation lines are refused (the
// kit does not use them) so that a stray backslash cannot hide a flag.
func parseUnit(r io.Reader) (unitFile, error) {
	u := unitFile{}
	section := ""
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
			continue
		case strings.HasSuffix(line, `\`):
			return nil, fmt.Errorf("line %d: continuation lines are not used in the kit", n)
		case line[0] == '[':
			if !strings.HasSuffix(line, "]") || len(line) < 3 {
				return nil, fmt.Errorf("line %d: bad section header %q", n, line)
			}
			section = line[1 : len(line)-1]
			if _, dup := u[section]; dup {
				return nil, fmt.Errorf("line %d: section [%s] repeated", n, section)
			}
			u[section] = map[string][]string{}
		default:
			key, val, ok := strings.Cut(line, "=")
			if !ok || section == "" || strings.TrimSpace(key) == "" {
				return nil, fmt.Errorf("line %d: want Key=Value inside a section: %q", n, line)
			}
			key = strings.TrimSpace(key)
			u[section][key] = append(u[section][key], strings.TrimSpace(val))
		}
	}
	return u, sc.Err()
}

func loadUnit(t *testing.T, bin string) unitFile {
	t.Helper()
	f, err := os.Open(unitPath(bin))
	require.NoError(t, err)
	defer f.Close()
	u, err := parseUnit(f)
	require.NoError(t, err, unitPath(bin))
	return u
}

func unitPath(bin string) string { return filepath.Join(root, "cmd", bin, bin+".service") }

// unitCase describes what the unit of one binary must say.
type unitCase struct {
	bin      string
	daemon   bool          // long-running, restarted on failure, enabled at boot
	minStop  time.Duration // TimeoutStopSec at least this
	addFlags func(fs *flag.FlagSet)
}

var unitCases = []unitCase{
	{"pump", true, 5 * time.Minute, func(fs *flag.FlagSet) { pump.DefaultConfig().AddFlags(fs) }},
	{"drainer", true, 2 * time.Minute, func(fs *flag.FlagSet) { drainer.DefaultConfig().AddFlags(fs) }},
	{"arbiter", true, time.Minute, func(fs *flag.FlagSet) { arbiter.DefaultConfig().AddFlags(fs) }},
	{"reparo", false, 30 * time.Second, func(fs *flag.FlagSet) { reparo.DefaultConfig().AddFlags(fs) }},
}

func TestUnitFiles(t *testing.T) {
	for _, c := range unitCases {
		t.Run(c.bin, func(t *testing.T) {
			u := loadUnit(t, c.bin)
			requireCommonKeys(t, u, c)
			args := requireExecStart(t, u, c)
			requireDirectories(t, u, args)
		})
	}
}

func requireCommonKeys(t *testing.T, u unitFile, c unitCase) {
	t.Helper()
	require.NotEmpty(t, u.get("Unit", "Description"))
	require.Equal(t, "network-online.target", u.get("Unit", "After"))
	require.Equal(t, "tidb-binlog", u.get("Service", "User"), "a dedicated user")
	require.Equal(t, "tidb-binlog", u.get("Service", "Group"))
	nofile, err := strconv.Atoi(u.get("Service", "LimitNOFILE"))
	require.NoError(t, err, "LimitNOFILE")
	require.GreaterOrEqual(t, nofile, 65536)
	require.Equal(t, "SIGTERM", u.get("Service", "KillSignal"))
	require.GreaterOrEqual(t, parseSeconds(t, u.get("Service", "TimeoutStopSec")), c.minStop)
	if !c.daemon {
		require.Equal(t, "oneshot", u.get("Service", "Type"))
		require.Empty(t, u.get("Service", "Restart"), "a oneshot restore is not restarted")
		return
	}
	require.Equal(t, "simple", u.get("Service", "Type"))
	require.Equal(t, "on-failure", u.get("Service", "Restart"))
	require.Equal(t, "2", u.get("Service", "RestartPreventExitStatus"), "bad configuration is not retried")
	require.NotEmpty(t, u.get("Service", "RestartSec"))
	require.Equal(t, "multi-user.target", u.get("Install", "WantedBy"))
}

// parseSeconds reads a systemd time span as the kit writes it: seconds, or
// a Go duration ("5min" is written "300").
func parseSeconds(t *testing.T, v string) time.Duration {
	t.Helper()
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second
	}
	d, err := time.ParseDuration(v)
	require.NoError(t, err, "time span %q", v)
	return d
}

// requireExecStart checks that ExecStart runs /usr/local/bin/<bin>, a binary
// of cmd/, with flags of its FlagSet and the sample configuration file of
// cmd/<bin>; it returns the flags.
func requireExecStart(t *testing.T, u unitFile, c unitCase) *flag.FlagSet {
	t.Helper()
	require.Len(t, u["Service"]["ExecStart"], 1)
	fields := strings.Fields(u.get("Service", "ExecStart"))
	require.Equal(t, "/usr/local/bin/"+c.bin, fields[0])
	require.FileExists(t, filepath.Join(root, "cmd", filepath.Base(fields[0]), "main.go"), "ExecStart binary is one of cmd/*")
	fs := flag.NewFlagSet(c.bin, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.addFlags(fs)
	for _, a := range fields[1:] {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		require.NotNil(t, fs.Lookup(name), "flag %s of %s.service is not a flag of %s", a, c.bin, c.bin)
	}
	require.NoError(t, fs.Parse(fields[1:]))
	require.Zero(t, fs.NArg(), "stray arguments %v", fs.Args())
	conf := fs.Lookup("config").Value.String()
	require.Equal(t, "/etc/tidb-binlog/"+c.bin+".toml", conf)
	require.FileExists(t, filepath.Join(root, "cmd", c.bin, filepath.Base(conf)), "the sample configuration")
	return fs
}

// requireDirectories checks that the data dir and the log file passed as
// flags are under the directories systemd creates for the unit's user.
func requireDirectories(t *testing.T, u unitFile, fs *flag.FlagSet) {
	t.Helper()
	if f := fs.Lookup("data-dir"); f != nil && f.Value.String() != f.DefValue {
		require.Equal(t, "/var/lib/"+u.get("Service", "StateDirectory"), f.Value.String(), "data dir vs StateDirectory")
		require.Equal(t, f.Value.String(), u.get("Service", "WorkingDirectory"))
	}
	if f := fs.Lookup("log-file"); f != nil && f.Value.String() != "" {
		logs := u.get("Service", "LogsDirectory")
		require.NotEmpty(t, logs, "a log file needs LogsDirectory")
		require.Equal(t, "/var/log/"+logs, filepath.Dir(f.Value.String()), "log file vs LogsDirectory")
	}
}

// TestUnitFilesVerify runs systemd-analyze verify on each unit, with the
// binary replaced by `true` (verify refuses an ExecStart that is not
// executable here); any warning fails the test.
func TestUnitFilesVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (Debian package systemd); the INI checks of TestUnitFiles still ran")
	}
	trueBin, err := exec.LookPath("true")
	require.NoError(t, err)
	dir := t.TempDir()
	for _, c := range unitCases {
		b, err := os.ReadFile(unitPath(c.bin))
		require.NoError(t, err)
		text := strings.ReplaceAll(string(b), "/usr/local/bin/"+c.bin, trueBin)
		require.NoError(t, os.WriteFile(filepath.Join(dir, c.bin+".service"), []byte(text), 0o644))
		cmd := exec.Command(analyze, "verify", "--man=no", c.bin+".service")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Empty(t, strings.TrimSpace(string(out)), "systemd-analyze verify %s.service", c.bin)
	}
}

func TestParseUnitRefusesBadSyntax(t *testing.T) {
	for _, bad := range []string{"Key=1\n", "[Service\n", "[Service]\nnovalue\n", "[Service]\nExecStart=a \\\n  b\n",
		"[Unit]\n[Unit]\n"} {
		_, err := parseUnit(strings.NewReader(bad))
		require.Error(t, err, "%q", bad)
	}
	u, err := parseUnit(strings.NewReader("# c\n[Service]\n; c\nA = 1\nA=2\n"))
	require.NoError(t, err)
	require.Equal(t, []string{"1", "2"}, u["Service"]["A"])
	require.Equal(t, "2", u.get("Service", "A"))
}
