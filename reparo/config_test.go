package reparo

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/config"
)

func writeConf(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "reparo.toml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	return p
}

func TestDefaults(t *testing.T) {
	c := DefaultConfig()
	require.Equal(t, DestPrint, c.DestType)
	require.Equal(t, 20, c.TxnBatch)
	require.Equal(t, 16, c.WorkerCount)
	require.Equal(t, "info", c.LogLevel)
	require.False(t, c.SafeMode)
	require.True(t, c.Resume)
}

// TestOriginalSampleKeys: the keys of the original's sample reparo.toml
// (its active ones and the ones it shows commented out) load unchanged.
func TestOriginalSampleKeys(t *testing.T) {
	p := writeConf(t, `
data-dir = "./data.drainer"
log-file = ""
log-level = "info"
start-datetime = "2018-02-28 12:12:12"
stop-datetime = ""
start-tso = 0
stop-tso = 0
dest-type = "mysql"
safe-mode = false
txn-batch = 20
worker-count = 16
replicate-do-db = ["~^b.*","S1"]
replicate-ignore-db = ["~^c.*","s2"]
[[replicate-do-table]]
db-name = "Test"
tbl-name = "log"
[[replicate-do-table]]
db-name = "test"
tbl-name = "~^a.*"
[[replicate-ignore-table]]
db-name = "test"
tbl-name = "~^a.*"
[dest-db]
host = "127.0.0.1"
port = 3309
user = "root"
password = ""
`)
	c := DefaultConfig()
	require.NoError(t, c.Parse([]string{"-config", p}))
	require.Equal(t, "./data.drainer", c.DataDir)
	require.Equal(t, DestMySQL, c.DestType)
	require.Equal(t, &DBConfig{Host: "127.0.0.1", Port: 3309, User: "root"}, c.DestDB)
	require.Equal(t, []string{"~^b.*", "s1"}, c.DoDBs, "do-lists lower-cased as the original")
	require.Equal(t, []TableName{{Schema: "test", Table: "log"}, {Schema: "test", Table: "~^a.*"}}, c.DoTables)
	require.Equal(t, []TableName{{Schema: "test", Table: "~^a.*"}}, c.IgnoreTables)
	want, err := DatetimeToTSO("2018-02-28 12:12:12", time.Local)
	require.NoError(t, err)
	require.Equal(t, want, c.StartTSO, "the datetime wins over the TSO")
}

func TestStrictTOML(t *testing.T) {
	p := writeConf(t, "data-dir = \"x\"\nno-such-key = 1\n")
	err := DefaultConfig().Parse([]string{"-config", p})
	var uk *config.UnknownKeysError
	require.ErrorAs(t, err, &uk)
	require.Equal(t, []string{"no-such-key"}, uk.Keys)
}

func TestFlagsWinThenEnvironment(t *testing.T) {
	p := writeConf(t, "data-dir = \"from-file\"\ntxn-batch = 5\n")
	t.Setenv("Reparo_TXN_BATCH", "7")
	t.Setenv("Reparo_C", "3")
	t.Setenv("Reparo_DATA_DIR", "from-env")
	c := DefaultConfig()
	require.NoError(t, c.Parse([]string{"-config", p, "-data-dir", "from-flag"}))
	require.Equal(t, "from-flag", c.DataDir)
	require.Equal(t, 7, c.TxnBatch, "environment for a flag not given")
	require.Equal(t, 3, c.WorkerCount)
}

func TestValidate(t *testing.T) {
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{}, "data-dir"},
		{[]string{"-data-dir", "d", "-dest-type", "kafka"}, "not supported"},
		{[]string{"-data-dir", "d", "-start-tso", "10", "-stop-tso", "9"}, "before the start"},
		{[]string{"-data-dir", "d", "-start-datetime", "2020-01-02 00:00:00", "-stop-datetime", "2020-01-01 00:00:00"}, "before the start"},
		{[]string{"-data-dir", "d", "-start-datetime", "yesterday"}, "start-datetime"},
		{[]string{"-data-dir", "d", "-dest-type", "mysql"}, "config file"},
		{[]string{"-data-dir", "d", "-dest-type", "undo", "-apply"}, "config file"},
		{[]string{"-data-dir", "d", "-apply"}, "only for dest-type undo"},
		{[]string{"-data-dir", "d", "-c", "0"}, "worker-count"},
	}
	for _, c := range cases {
		err := DefaultConfig().Parse(c.args)
		require.ErrorIs(t, err, ErrInvalidConfig, "%v", c.args)
		require.Contains(t, err.Error(), c.msg, "%v", c.args)
	}
	p := writeConf(t, "dest-type = \"mysql\"\ndata-dir = \"d\"\n")
	err := DefaultConfig().Parse([]string{"-config", p})
	require.ErrorIs(t, err, ErrInvalidConfig)
	require.Contains(t, err.Error(), "dest-db")
	require.NoError(t, DefaultConfig().Parse([]string{"-data-dir", "d", "-stop-tso", "0", "-start-tso", "5"}), "stop 0 is unbounded")
}

func TestDatetimeToTSO(t *testing.T) {
	loc := time.FixedZone("x", 8*3600)
	ts, err := DatetimeToTSO("2019-01-01 08:00:00", loc)
	require.NoError(t, err)
	require.Equal(t, int64(1546300800000)<<18, ts)
	require.Equal(t, int64(1546300800000), TSOToTime(ts).UnixMilli())
}

func TestConfigStringRedactsPassword(t *testing.T) {
	c := DefaultConfig()
	c.DestDB = &DBConfig{Host: "h", Password: "secret"}
	require.NotContains(t, c.String(), "secret")
	require.Equal(t, "secret", c.DestDB.Password)
}
