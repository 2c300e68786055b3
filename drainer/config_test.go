package drainer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/encrypt"
	"github.com/openbinlog/tidb-binlog/pkg/filter"
	"github.com/stretchr/testify/require"
)

func writeTOML(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "drainer.toml")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	return p
}

func parse(t *testing.T, args ...string) (*Config, error) {
	t.Helper()
	cfg := DefaultConfig()
	return cfg, cfg.Parse(args)
}

func TestDefaults(t *testing.T) {
	cfg, err := parse(t, "-addr", "127.0.0.1:8249")
	require.NoError(t, err)
	require.Equal(t, 5, cfg.DetectInterval)
	require.Equal(t, int64(-1), cfg.InitialCommitTS)
	require.Equal(t, "mysql", cfg.Syncer.DestDBType)
	require.Equal(t, 16, cfg.Syncer.WorkerCount)
	require.Equal(t, 20, cfg.Syncer.TxnBatch)
	require.True(t, cfg.Syncer.SyncDDL)
	require.True(t, cfg.Syncer.EnableDispatch())
	require.True(t, cfg.Syncer.EnableCausality())
	require.Equal(t, DefaultIgnoreSchemas, cfg.Syncer.IgnoreSchemas)
	require.Equal(t, "127.0.0.1:8249", cfg.AdvertiseAddr)
	require.Equal(t, "mysql", cfg.Syncer.To.Checkpoint.Type)
	require.Equal(t, "tidb_binlog", cfg.Syncer.To.Checkpoint.Schema)
	require.Equal(t, "checkpoint", cfg.Syncer.To.Checkpoint.Table)
	require.Equal(t, 1, cfg.Syncer.To.SyncMode)
	require.Equal(t, config.ByteSize(10<<20), cfg.Syncer.Relay.MaxFileSize)
}

func TestOriginalSampleKeysLoad(t *testing.T) {
	cfg, err := parse(t, "-config", filepath.Join("testdata", "original_keys.toml"))
	require.NoError(t, err)
	require.Equal(t, 10, cfg.DetectInterval)
	require.Equal(t, []filter.TableName{{Schema: "test", Table: "log"}, {Schema: "test", Table: "~^a.*"}}, cfg.Syncer.DoTables)
	require.Equal(t, []string{"~^b.*", "s1"}, cfg.Syncer.DoDBs)
	require.Equal(t, []string{"truncate table"}, cfg.Syncer.BinlogFilterRule["truncate-filter"].IgnoreEvent)
	require.Equal(t, "t2", cfg.Syncer.TableMigrateRule[0].Target.Table)
	require.Equal(t, "+08:00", cfg.Syncer.To.Params["time_zone"])
	require.Equal(t, "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION", *cfg.Syncer.StrSQLMode)

	cfg, err = parse(t, "-config", filepath.Join("testdata", "original_kafka_file_keys.toml"))
	require.NoError(t, err)
	require.Equal(t, 1, cfg.Syncer.WorkerCount)
	require.Equal(t, "file", cfg.Syncer.To.Checkpoint.Type)
	require.Equal(t, config.ByteSize(1<<30), cfg.Syncer.To.KafkaMaxMessageSize)
}

func TestUnknownKeyNamesKeyAndFile(t *testing.T) {
	p := writeTOML(t, "[syncer]\nno-such-key = 1\n")
	_, err := parse(t, "-config", p)
	var uk *config.UnknownKeysError
	require.True(t, errors.As(err, &uk))
	require.Contains(t, err.Error(), "syncer.no-such-key")
	require.Contains(t, err.Error(), p)
}

func TestPrecedenceFlagFileEnv(t *testing.T) {
	p := writeTOML(t, "detect-interval = 7\ntxn-batch = 3\n[syncer]\ntxn-batch = 30\nworker-count = 4\n")
	_, err := parse(t, "-config", p)
	require.Error(t, err, "txn-batch is a [syncer] key, not a top-level one")

	p = writeTOML(t, "detect-interval = 7\n[syncer]\ntxn-batch = 30\nworker-count = 4\n")
	t.Setenv("BINLOG_SERVER_DETECT_INTERVAL", "9")
	t.Setenv("BINLOG_SERVER_TXN_BATCH", "40")
	cfg, err := parse(t, "-config", p, "-txn-batch", "50")
	require.NoError(t, err)
	require.Equal(t, 9, cfg.DetectInterval, "the environment applies to flags not given")
	require.Equal(t, 50, cfg.Syncer.TxnBatch, "an explicit flag wins")
	require.Equal(t, 4, cfg.Syncer.WorkerCount)
}

func TestSwitchPrecedence(t *testing.T) {
	cases := []struct {
		name string
		file string
		args []string
		want bool
	}{
		{"default", "", nil, true},
		{"enable key false", "enable-dispatch = false", nil, false},
		{"enable flag beats enable key", "enable-dispatch = false", []string{"-enable-dispatch=true"}, true},
		{"disable key beats enable flag", "disable-dispatch = true", []string{"-enable-dispatch=true"}, false},
		{"disable flag beats everything", "enable-dispatch = true", []string{"-disable-dispatch"}, false},
		{"disable key false leaves enable", "disable-dispatch = false\nenable-dispatch = false", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := writeTOML(t, "[syncer]\n"+tc.file+"\n"+strings.ReplaceAll(tc.file, "dispatch", "detect")+"\n")
			args := append([]string{"-config", p}, tc.args...)
			for _, a := range tc.args {
				args = append(args, strings.ReplaceAll(a, "dispatch", "detect"))
			}
			cfg, err := parse(t, args...)
			require.NoError(t, err)
			require.Equal(t, tc.want, cfg.Syncer.EnableDispatch())
			require.Equal(t, tc.want, cfg.Syncer.EnableCausality())
			if !tc.want {
				require.Equal(t, 1, cfg.Syncer.WorkerCount)
			}
		})
	}
}

func TestWorkerCountForcedForFileAndKafka(t *testing.T) {
	for _, tp := range []string{"file", "pb", "kafka"} {
		cfg, err := parse(t, "-dest-db-type", tp, "-c", "8")
		require.NoError(t, err)
		require.Equal(t, 1, cfg.Syncer.WorkerCount, tp)
	}
	cfg, err := parse(t, "-dest-db-type", "pb", "-data-dir", "/x")
	require.NoError(t, err)
	require.Equal(t, "file", cfg.Syncer.DestDBType)
	require.Equal(t, "/x", cfg.Syncer.To.BinlogFileDir)
}

func TestInvalidValues(t *testing.T) {
	for _, args := range [][]string{
		{"-dest-db-type", "flash"},
		{"-compressor", "zstd"},
		{"-advertise-addr", "0.0.0.0:8249"},
		{"-detect-interval", "0"},
		{"-initial-commit-ts", "-2"},
		{"-pd-urls", "ftp://x"},
		{"-dest-db-type", "file", "-relay-log-dir", "/tmp/x"},
	} {
		_, err := parse(t, args...)
		require.ErrorIs(t, err, ErrInvalidConfig, args)
	}
	p := writeTOML(t, "[syncer.to.params]\ntime_zone = \"SYSTEM\"\n")
	_, err := parse(t, "-config", p)
	require.ErrorIs(t, err, ErrInvalidConfig)
}

func TestMySQLEnvDefaults(t *testing.T) {
	t.Setenv("MYSQL_HOST", "db.example")
	t.Setenv("MYSQL_PORT", "3307")
	t.Setenv("MYSQL_USER", "u")
	t.Setenv("MYSQL_PSWD", "pw")
	cfg, err := parse(t)
	require.NoError(t, err)
	to := cfg.Syncer.To
	require.Equal(t, "db.example", to.Host)
	require.Equal(t, 3307, to.Port)
	require.Equal(t, "u", to.User)
	require.Equal(t, "pw", to.Password)
	require.Equal(t, "db.example", to.Checkpoint.Host)
	require.Equal(t, "pw", to.Checkpoint.Password)
}

func TestEncryptedPasswordsEachFromItsOwnKey(t *testing.T) {
	toEnc, err := encrypt.EncryptString("to-secret")
	require.NoError(t, err)
	cpEnc, err := encrypt.EncryptString("cp-secret")
	require.NoError(t, err)
	p := writeTOML(t, "[syncer.to]\nhost = \"a\"\nencrypted_password = \""+toEnc+"\"\n"+
		"[syncer.to.checkpoint]\nhost = \"b\"\nencrypted_password = \""+cpEnc+"\"\n")
	cfg, err := parse(t, "-config", p)
	require.NoError(t, err)
	require.Equal(t, "to-secret", cfg.Syncer.To.Password)
	require.Equal(t, "cp-secret", cfg.Syncer.To.Checkpoint.Password)

	p = writeTOML(t, "[syncer.to]\nencrypted_password = \"not base64!\"\n")
	_, err = parse(t, "-config", p)
	require.ErrorIs(t, err, ErrInvalidConfig)
	require.Contains(t, err.Error(), "syncer.to.encrypted_password")
}

func TestStringRedacts(t *testing.T) {
	p := writeTOML(t, "pd-urls = \"http://u:pdpass@127.0.0.1:2379\"\n[syncer.to]\npassword = \"topass\"\n"+
		"[syncer.to.params]\nsome_password = \"parampass\"\n[syncer.to.checkpoint]\nhost = \"h\"\npassword = \"cppass\"\n")
	cfg, err := parse(t, "-config", p)
	require.NoError(t, err)
	s := cfg.String()
	for _, secret := range []string{"pdpass", "topass", "cppass", "parampass"} {
		require.NotContains(t, s, secret)
	}
	require.Contains(t, s, "******")
	require.Equal(t, "topass", cfg.Syncer.To.Password, "String does not change the config")
}
