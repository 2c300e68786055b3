package drainer

import (
	"errors"
	"flag"
	"os"

	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/security"
)

// Defaults of the drainer configuration (SPEC 5.1).
const (
	DefaultPort            = 8249
	DefaultPDURLs          = "http://127.0.0.1:2379"
	DefaultDataDir         = "data.drainer"
	DefaultDetectInterval  = 5 // seconds (the original's sample says 10)
	DefaultSyncedCheckTime = 5 // minutes
	DefaultCacheBinlogs    = 8
	DefaultMetricsInterval = 15
	DefaultIgnoreSchemas   = "INFORMATION_SCHEMA,PERFORMANCE_SCHEMA,mysql"
	DefaultTxnBatch        = 20
	DefaultWorkerCount     = 16
	DefaultRelayFileSize   = 10 << 20
	DefaultCheckpointDB    = "tidb_binlog"
	DefaultCheckpointTable = "checkpoint"
	DefaultKafkaAddrs      = "127.0.0.1:9092"
	DefaultKafkaVersion    = "0.8.2.0"
	DefaultKafkaMaxMsgs    = 1024
	DefaultKafkaMaxMsgSize = 1 << 30
	DefaultKafkaClientID   = "tidb_binlog"
	// DefaultMemoryLimit is the memory budget, in bytes, of the binlogs in
	// flight from their receipt to the downstream's confirmation (beyond the
	// original, which counts items); see package membudget.
	DefaultMemoryLimit = 256 << 20
	envPrefix          = "BINLOG_SERVER_"
)

// ErrInvalidConfig wraps every validation failure of the drainer configuration.
var ErrInvalidConfig = errors.New("drainer: invalid config")

// Config is the drainer configuration: TOML keys in kebab-case, flags of the
// same names (SPEC 5.1).
type Config struct {
	ListenAddr      string          `toml:"addr" json:"addr"`
	AdvertiseAddr   string          `toml:"advertise-addr" json:"advertise-addr"`
	NodeID          string          `toml:"node-id" json:"node-id"`
	DataDir         string          `toml:"data-dir" json:"data-dir"`
	PDURLs          string          `toml:"pd-urls" json:"pd-urls"`
	DetectInterval  int             `toml:"detect-interval" json:"detect-interval"`
	InitialCommitTS int64           `toml:"initial-commit-ts" json:"initial-commit-ts"`
	SyncedCheckTime int             `toml:"synced-check-time" json:"synced-check-time"`
	Compressor      string          `toml:"compressor" json:"compressor"`
	CacheBinlogs    int             `toml:"cache-binlog-count" json:"cache-binlog-count"`
	MemoryLimit     config.ByteSize `toml:"memory-limit" json:"memory-limit"`
	LogLevel        string          `toml:"log-level" json:"log-level"`
	LogFile         string          `toml:"log-file" json:"log-file"`
	MetricsAddr     string          `toml:"metrics-addr" json:"metrics-addr"`
	MetricsInterval int             `toml:"metrics-interval" json:"metrics-interval"`
	TiDBStatusURLs  string          `toml:"tidb-status-urls" json:"tidb-status-urls"`
	Security        security.Config `toml:"security" json:"security"`
	Syncer          SyncerConfig    `toml:"syncer" json:"syncer"`

	// PrintVersion is set by -V.
	PrintVersion bool `toml:"-" json:"-"`
	// Warnings collects notes for the log found by Parse and Adjust.
	Warnings []string `toml:"-" json:"-"`

	configFile string
	explicit   map[string]bool
	adjusted   bool // Adjust ran (its warnings are recorded once)
	switches   switchValues
}

// switchValues receive the four switch flags.
type switchValues struct {
	enableDispatch, disableDispatch, enableCausality, disableCausality bool
}

// DefaultConfig returns the configuration with every default applied.
func DefaultConfig() *Config {
	return &Config{
		ListenAddr:      config.DefaultListenAddr(DefaultPort),
		PDURLs:          DefaultPDURLs,
		DataDir:         DefaultDataDir,
		DetectInterval:  DefaultDetectInterval,
		InitialCommitTS: -1,
		SyncedCheckTime: DefaultSyncedCheckTime,
		CacheBinlogs:    DefaultCacheBinlogs,
		MemoryLimit:     DefaultMemoryLimit,
		LogLevel:        "info",
		MetricsInterval: DefaultMetricsInterval,
		Syncer: SyncerConfig{
			DestDBType:    "mysql",
			TxnBatch:      DefaultTxnBatch,
			WorkerCount:   DefaultWorkerCount,
			IgnoreSchemas: DefaultIgnoreSchemas,
			SyncDDL:       true,
			Relay:         RelayConfig{MaxFileSize: DefaultRelayFileSize},
		},
		switches: switchValues{enableDispatch: true, enableCausality: true},
	}
}

// AddFlags binds the command-line flags to c; the current values of c are
// the flag defaults.
func (c *Config) AddFlags(fs *flag.FlagSet) {
	s := &c.Syncer
	fs.StringVar(&c.ListenAddr, "addr", c.ListenAddr, "addr (i.e. 'host:port') to listen on for gRPC (Cistern) and HTTP")
	fs.StringVar(&c.AdvertiseAddr, "advertise-addr", c.AdvertiseAddr, "addr (i.e. 'host:port') registered in etcd; default: addr")
	fs.StringVar(&c.NodeID, "node-id", c.NodeID, "the ID of the drainer node; default: hostname:port")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "drainer data directory (file checkpoint, default file-sink dir)")
	fs.StringVar(&c.PDURLs, "pd-urls", c.PDURLs, "a comma separated list of the PD endpoints")
	fs.IntVar(&c.DetectInterval, "detect-interval", c.DetectInterval, "seconds between refreshes of the pump list")
	fs.Int64Var(&c.InitialCommitTS, "initial-commit-ts", c.InitialCommitTS, "commit ts to start from without a checkpoint; -1: the latest TSO from PD")
	fs.IntVar(&c.SyncedCheckTime, "synced-check-time", c.SyncedCheckTime, "minutes without sync activity after which /status reports Synced")
	fs.StringVar(&c.Compressor, "compressor", c.Compressor, "compression of the pump streams: \"\" or gzip")
	fs.IntVar(&c.CacheBinlogs, "cache-binlog-count", c.CacheBinlogs, "capacity in binlogs of the syncer's input queue")
	fs.Var(&c.MemoryLimit, "memory-limit", "memory budget of the binlogs in flight, from their receipt to the downstream's confirmation")
	fs.StringVar(&c.LogLevel, "L", c.LogLevel, "log level: debug, info, warn, error, fatal")
	fs.StringVar(&c.LogFile, "log-file", c.LogFile, "log file path; default: stderr")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "prometheus pushgateway address; empty disables pushing")
	fs.IntVar(&c.MetricsInterval, "metrics-interval", c.MetricsInterval, "prometheus push interval in seconds; 0 disables pushing")
	fs.StringVar(&c.TiDBStatusURLs, "tidb-status-urls", c.TiDBStatusURLs, "comma separated TiDB status URLs for the DDL history; default: TiDB topology in etcd")
	fs.StringVar(&c.configFile, "config", c.configFile, "path to the drainer configuration file")
	fs.BoolVar(&c.PrintVersion, "V", c.PrintVersion, "print version information and exit")
	fs.String("log-rotate", "", "DEPRECATED: ignored")

	fs.StringVar(&s.DestDBType, "dest-db-type", s.DestDBType, "destination: mysql, tidb, file (pb) or kafka")
	fs.IntVar(&s.TxnBatch, "txn-batch", s.TxnBatch, "number of row changes in one downstream transaction")
	fs.IntVar(&s.WorkerCount, "c", s.WorkerCount, "parallel worker count (forced to 1 for file, kafka or without dispatch)")
	fs.BoolVar(&s.SafeMode, "safe-mode", s.SafeMode, "INSERT as REPLACE and UPDATE as DELETE+REPLACE (re-entrant replication)")
	fs.BoolVar(&s.SyncDDL, "sync-ddl", s.SyncDDL, "execute DDLs downstream")
	fs.BoolVar(&s.LoopbackControl, "loopback-control", s.LoopbackControl, "mark downstream transactions for bidirectional replication")
	fs.Int64Var(&s.ChannelID, "channel-id", s.ChannelID, "channel id of the loopback mark")
	fs.StringVar(&s.IgnoreSchemas, "ignore-schemas", s.IgnoreSchemas, "comma separated schemas not to replicate")
	fs.BoolVar(&s.LoadSchemaSnapshot, "load-schema-snapshot", s.LoadSchemaSnapshot, "build the initial schema from a snapshot at the checkpoint (not supported: the DDL history is used)")
	fs.StringVar(&s.Relay.LogDir, "relay-log-dir", s.Relay.LogDir, "relay log directory; empty disables the relay log")
	fs.Var(&s.Relay.MaxFileSize, "relay-max-file-size", "max size of a relay log file")
	fs.BoolVar(&c.switches.enableDispatch, "enable-dispatch", c.switches.enableDispatch, "split transactions across workers")
	fs.BoolVar(&c.switches.disableDispatch, "disable-dispatch", c.switches.disableDispatch, "DEPRECATED: use -enable-dispatch=false (wins over it)")
	fs.BoolVar(&c.switches.enableCausality, "enable-detect", c.switches.enableCausality, "detect causality between row changes")
	fs.BoolVar(&c.switches.disableCausality, "disable-detect", c.switches.disableCausality, "DEPRECATED: use -enable-detect=false (wins over it)")
}

// Parse reads flags, then the config file strictly, then the flags again,
// then BINLOG_SERVER_* environment variables for flags not given; then it
// adjusts and validates. With -V it stops after reading.
func (c *Config) Parse(args []string) error {
	fs := flag.NewFlagSet("drainer", flag.ContinueOnError)
	c.AddFlags(fs)
	if err := config.Load(fs, args, &c.configFile, c, envPrefix); err != nil {
		return err
	}
	c.explicit = config.ExplicitFlags(fs)
	if c.explicit["log-rotate"] {
		c.Warnings = append(c.Warnings, "flag -log-rotate is deprecated and ignored")
	}
	c.bindSwitches()
	if c.PrintVersion {
		return nil
	}
	if err := c.Adjust(); err != nil {
		return err
	}
	return c.Validate()
}

// bindSwitches records the switch flags that were given (on the command
// line or through the environment) for the precedence of EnableDispatch.
func (c *Config) bindSwitches() {
	given := func(name string) bool {
		if c.explicit[name] {
			return true
		}
		_, inEnv := os.LookupEnv(config.EnvName(envPrefix, name))
		return inEnv
	}
	sw := &c.switches
	pick := func(name string, v *bool) *bool {
		if given(name) {
			return v
		}
		return nil
	}
	c.Syncer.flags = switchFlags{
		enableDispatch:   pick("enable-dispatch", &sw.enableDispatch),
		disableDispatch:  pick("disable-dispatch", &sw.disableDispatch),
		enableCausality:  pick("enable-detect", &sw.enableCausality),
		disableCausality: pick("disable-detect", &sw.disableCausality),
	}
}

// ConfigFile returns the path given with -config.
func (c *Config) ConfigFile() string { return c.configFile }
