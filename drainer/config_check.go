package drainer

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/encrypt"
	"github.com/openbinlog/tidb-binlog/pkg/filter"
	"github.com/openbinlog/tidb-binlog/pkg/log"
)

// Destination types of [syncer] db-type.
const (
	DBTypeMySQL     = "mysql"
	DBTypeTiDB      = "tidb"
	DBTypeFile      = "file"
	DBTypePB        = "pb" // alias of file
	DBTypeKafka     = "kafka"
	DBTypeOracle    = "oracle"
	DBTypeIntercept = "_intercept" // tests only
)

// Adjust fills derived values: addresses without scheme, advertise-addr,
// the environment defaults of [syncer.to], decrypted passwords, the
// checkpoint destination and worker-count 1 where dispatch cannot apply.
// It fails only when an encrypted password cannot be decrypted.
func (c *Config) Adjust() error {
	c.ListenAddr = config.StripScheme(c.ListenAddr)
	if c.ListenAddr == "" {
		c.ListenAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(DefaultPort))
	}
	c.AdvertiseAddr = config.StripScheme(c.AdvertiseAddr)
	if c.AdvertiseAddr == "" {
		c.AdvertiseAddr = c.ListenAddr
	}
	if host, _, err := net.SplitHostPort(c.AdvertiseAddr); err == nil && !c.adjusted {
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			c.Warnings = append(c.Warnings, fmt.Sprintf("advertise-addr %s is a loopback address: pumps on other hosts cannot notify this drainer", c.AdvertiseAddr))
		}
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.MemoryLimit == 0 {
		c.MemoryLimit = DefaultMemoryLimit
	}
	if len(c.Security.CertAllowedCN) == 0 {
		c.Security.CertAllowedCN = nil
	}
	s := &c.Syncer
	s.normalizeEmpty()
	if s.LoadSchemaSnapshot && !c.adjusted {
		c.Warnings = append(c.Warnings, "load-schema-snapshot is not supported: the schema is built from TiDB's DDL history")
	}
	s.DestDBType = strings.ToLower(strings.TrimSpace(s.DestDBType))
	if s.DestDBType == DBTypePB {
		s.DestDBType = DBTypeFile
	}
	if s.Relay.MaxFileSize == 0 {
		s.Relay.MaxFileSize = DefaultRelayFileSize
	}
	switch s.DestDBType {
	case DBTypeFile, DBTypeKafka:
		s.WorkerCount = 1
	}
	if !s.EnableDispatch() {
		s.WorkerCount = 1
	}
	c.adjustDest(os.LookupEnv)
	c.adjusted = true
	return c.decryptPasswords()
}

// normalizeEmpty turns empty lists and maps into nil, so that an empty TOML
// array and an absent key configure the same thing.
func (c *SyncerConfig) normalizeEmpty() {
	if len(c.IgnoreTables) == 0 {
		c.IgnoreTables = nil
	}
	if len(c.DoDBs) == 0 {
		c.DoDBs = nil
	}
	if len(c.DoTables) == 0 {
		c.DoTables = nil
	}
	if len(c.IgnoreTxnCommitTS) == 0 {
		c.IgnoreTxnCommitTS = nil
	}
	if len(c.TableMigrateRule) == 0 {
		c.TableMigrateRule = nil
	}
	if len(c.BinlogFilterRule) == 0 {
		c.BinlogFilterRule = nil
	}
	if len(c.To.Params) == 0 {
		c.To.Params = nil
	}
}

// adjustDest fills [syncer.to] and [syncer.to.checkpoint] defaults.
func (c *Config) adjustDest(env func(string) (string, bool)) {
	to := &c.Syncer.To
	getenv := func(name, def string) string {
		if v, ok := env(name); ok && v != "" {
			return v
		}
		return def
	}
	switch c.Syncer.DestDBType {
	case DBTypeMySQL, DBTypeTiDB:
		if to.Host == "" {
			to.Host = getenv("MYSQL_HOST", "localhost")
		}
		if to.Port == 0 {
			to.Port, _ = strconv.Atoi(getenv("MYSQL_PORT", "3306"))
		}
		if to.User == "" {
			to.User = getenv("MYSQL_USER", "root")
		}
		if to.Password == "" {
			to.Password = getenv("MYSQL_PSWD", "")
		}
	case DBTypeFile:
		if to.BinlogFileDir == "" {
			to.BinlogFileDir = c.DataDir
		}
	case DBTypeKafka:
		c.adjustKafka(getenv)
	}
	if to.SyncMode == 0 {
		to.SyncMode = 1
	}
	if to.ReadTimeout.Duration == 0 {
		to.ReadTimeout.Duration = time.Minute
	}
	c.adjustCheckpoint()
}

func (c *Config) adjustKafka(getenv func(name, def string) string) {
	to := &c.Syncer.To
	if to.KafkaAddrs == "" {
		to.KafkaAddrs = getenv("KAFKA_ADDRS", DefaultKafkaAddrs)
	}
	if to.KafkaVersion == "" {
		to.KafkaVersion = DefaultKafkaVersion
	}
	if to.KafkaMaxMessages <= 0 {
		to.KafkaMaxMessages = DefaultKafkaMaxMsgs
	}
	if to.KafkaMaxMessageSize == 0 {
		to.KafkaMaxMessageSize = DefaultKafkaMaxMsgSize
	}
	if to.KafkaClientID == "" {
		to.KafkaClientID = DefaultKafkaClientID
	}
}

// adjustCheckpoint derives the checkpoint destination: for mysql and tidb
// sinks the same database as [syncer.to] unless given, else a file.
func (c *Config) adjustCheckpoint() {
	to := &c.Syncer.To
	cp := &to.Checkpoint
	if cp.Schema == "" {
		cp.Schema = DefaultCheckpointDB
	}
	if cp.Table == "" {
		cp.Table = DefaultCheckpointTable
	}
	if cp.Type == "" {
		switch c.Syncer.DestDBType {
		case DBTypeMySQL, DBTypeTiDB, DBTypeOracle:
			cp.Type = c.Syncer.DestDBType
		default:
			cp.Type = DBTypeFile
		}
	}
	if cp.Type != DBTypeMySQL && cp.Type != DBTypeTiDB {
		return
	}
	if cp.Host == "" {
		cp.Host, cp.Port, cp.User = to.Host, to.Port, to.User
		if cp.Password == "" && cp.EncryptedPassword == "" {
			cp.Password, cp.EncryptedPassword = to.Password, to.EncryptedPassword
		}
		if !cp.Security.Enabled() {
			cp.Security = to.Security
		}
	}
	if cp.Port == 0 {
		cp.Port = 3306
	}
	if cp.User == "" {
		cp.User = "root"
	}
}

// decryptPasswords replaces each encrypted_password by its plain text; the
// checkpoint's comes from its own key (the original read the [syncer.to]
// one, SPEC 12.14).
func (c *Config) decryptPasswords() error {
	for _, p := range []struct {
		key       string
		enc, dest *string
	}{
		{"syncer.to.encrypted_password", &c.Syncer.To.EncryptedPassword, &c.Syncer.To.Password},
		{"syncer.to.checkpoint.encrypted_password", &c.Syncer.To.Checkpoint.EncryptedPassword, &c.Syncer.To.Checkpoint.Password},
	} {
		if *p.enc == "" {
			continue
		}
		plain, err := encrypt.DecryptString(*p.enc)
		if err != nil {
			return fmt.Errorf("%w: decrypt %s: %w", ErrInvalidConfig, p.key, err)
		}
		*p.dest = plain
	}
	return nil
}

// Validate checks the adjusted configuration; errors are one line and wrap
// ErrInvalidConfig.
func (c *Config) Validate() error {
	checks := []func() error{
		func() error { return invalid(config.CheckHostPort("addr", c.ListenAddr, false)) },
		func() error { return invalid(config.CheckHostPort("advertise-addr", c.AdvertiseAddr, true)) },
		func() error { return invalid(config.CheckURLs("pd-urls", config.SplitList(c.PDURLs), true)) },
		func() error {
			return invalid(config.CheckURLs("tidb-status-urls", config.SplitList(c.TiDBStatusURLs), false))
		},
		c.checkNumbers,
		c.checkSyncer,
		func() error { _, err := log.ParseLevel(c.LogLevel); return err },
		c.Security.Validate,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			if errors.Is(err, ErrInvalidConfig) {
				return err
			}
			return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
	}
	return nil
}

func (c *Config) checkNumbers() error {
	for _, p := range []struct {
		name string
		ok   bool
	}{
		{"detect-interval", c.DetectInterval > 0},
		{"initial-commit-ts", c.InitialCommitTS >= -1},
		{"synced-check-time", c.SyncedCheckTime > 0},
		{"cache-binlog-count", c.CacheBinlogs > 0},
		{"metrics-interval", c.MetricsInterval >= 0},
		{"txn-batch", c.Syncer.TxnBatch > 0},
		{"worker-count", c.Syncer.WorkerCount > 0},
	} {
		if !p.ok {
			return fmt.Errorf("%w: %s is out of range", ErrInvalidConfig, p.name)
		}
	}
	return nil
}

func (c *Config) checkSyncer() error {
	s := &c.Syncer
	switch s.DestDBType {
	case DBTypeMySQL, DBTypeTiDB, DBTypeFile, DBTypeKafka, DBTypeIntercept:
	case DBTypeOracle:
		return fmt.Errorf("%w: db-type oracle is not supported by this build", ErrInvalidConfig)
	default:
		return fmt.Errorf("%w: db-type %q is not one of mysql, tidb, file, pb, kafka", ErrInvalidConfig, s.DestDBType)
	}
	if c.Compressor != "" && c.Compressor != "gzip" {
		return fmt.Errorf("%w: compressor %q: only \"gzip\" is supported", ErrInvalidConfig, c.Compressor)
	}
	if s.Relay.IsEnabled() && s.DestDBType != DBTypeMySQL && s.DestDBType != DBTypeTiDB {
		return fmt.Errorf("%w: the relay log needs db-type mysql or tidb, not %s", ErrInvalidConfig, s.DestDBType)
	}
	if s.To.SyncMode != 1 && s.To.SyncMode != 2 {
		return fmt.Errorf("%w: syncer.to.sync-mode must be 1 (full column) or 2 (partial column)", ErrInvalidConfig)
	}
	if tz := s.To.Params["time_zone"]; strings.EqualFold(tz, "SYSTEM") || strings.EqualFold(tz, "Local") {
		return fmt.Errorf("%w: syncer.to.params.time_zone %q is not allowed: name a zone or an offset", ErrInvalidConfig, tz)
	}
	if _, _, err := filter.FromMigrateRules(s.CaseSensitive, s.TableMigrateRule, s.BinlogFilterRule, false); err != nil {
		return fmt.Errorf("%w: table-migrate-rule: %w", ErrInvalidConfig, err)
	}
	if _, err := s.tableFilter(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	if err := s.To.Security.Validate(); err != nil {
		return err
	}
	return s.To.Checkpoint.Security.Validate()
}

// String renders the configuration as JSON with secrets redacted:
// passwords, TLS key paths and any user:password in URLs.
func (c *Config) String() string {
	cp := *c
	cp.Security.SSLKey = config.Redact(cp.Security.SSLKey)
	cp.PDURLs = config.RedactURLs(config.SplitList(c.PDURLs))
	cp.TiDBStatusURLs = config.RedactURLs(config.SplitList(c.TiDBStatusURLs))
	cp.MetricsAddr = config.RedactURLs([]string{c.MetricsAddr})
	to := c.Syncer.To
	to.Password = config.Redact(to.Password)
	to.EncryptedPassword = config.Redact(to.EncryptedPassword)
	to.Security.SSLKey = config.Redact(to.Security.SSLKey)
	to.Checkpoint.Password = config.Redact(to.Checkpoint.Password)
	to.Checkpoint.EncryptedPassword = config.Redact(to.Checkpoint.EncryptedPassword)
	to.Checkpoint.Security.SSLKey = config.Redact(to.Checkpoint.Security.SSLKey)
	to.Params = redactParams(to.Params)
	cp.Syncer.To = to
	b, err := json.Marshal(&cp)
	if err != nil {
		return fmt.Sprintf("<config: %v>", err)
	}
	return string(b)
}

// redactParams hides session parameters whose name looks secret.
func redactParams(p map[string]string) map[string]string {
	if p == nil {
		return nil
	}
	out := make(map[string]string, len(p))
	for k, v := range p {
		lk := strings.ToLower(k)
		if strings.Contains(lk, "password") || strings.Contains(lk, "secret") {
			v = config.Redact(v)
		}
		out[k] = v
	}
	return out
}

// tableFilter compiles ignore-schemas, ignore-table, replicate-do-db and
// replicate-do-table.
func (c *SyncerConfig) tableFilter() (*filter.Filter, error) {
	return filter.New(filter.Rules{
		DoDBs: c.DoDBs, DoTables: c.DoTables, IgnoreDBs: c.IgnoreSchemaNames(), IgnoreTables: c.IgnoreTables,
		CaseSensitive: c.CaseSensitive,
	})
}

// eventFilter compiles the binlog-filter rules of table-migrate-rule; nil
// when there are none.
func (c *SyncerConfig) eventFilter() (*filter.EventFilter, error) {
	ef, _, err := filter.FromMigrateRules(c.CaseSensitive, c.TableMigrateRule, c.BinlogFilterRule, false)
	return ef, err
}

// invalid marks a configuration error as ErrInvalidConfig.
func invalid(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
}
