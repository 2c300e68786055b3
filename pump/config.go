package pump

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/pump/storage"
)

// Defaults of the pump configuration (SPEC 4.1).
const (
	DefaultPort              = 8250
	DefaultPDURLs            = "http://127.0.0.1:2379"
	DefaultDataDir           = "data.pump"
	DefaultHeartbeatInterval = 2                                               // seconds
	DefaultGCDays            = 7                                               // days
	DefaultMetricsInterval   = 15                                              // seconds
	DefaultMaxTxnTimeout     = int(storage.DefaultMaxTxnTimeout / time.Second) // seconds
	DefaultMaxMessageSize    = math.MaxInt - 4<<20
	DefaultKVChanCap         = 1 << 20
	DefaultStopWriteSpace    = 10 << 30
	defaultFakeInterval      = 200 * time.Millisecond // original: 3 s; see README "Compatibility"
	defaultSlowWrite         = 1.0                    // seconds
	envPrefix                = "PUMP_"
)

// ErrInvalidConfig wraps every validation failure of the pump configuration.
var ErrInvalidConfig = errors.New("pump: invalid config")

// Config is the pump configuration: TOML keys in kebab-case (the [storage]
// section keeps the original's snake_case keys), flags of the same names.
type Config struct {
	ListenAddr        string     `toml:"addr" json:"addr"`
	AdvertiseAddr     string     `toml:"advertise-addr" json:"advertise-addr"`
	Socket            string     `toml:"socket" json:"socket"`
	PDURLs            string     `toml:"pd-urls" json:"pd-urls"`
	DataDir           string     `toml:"data-dir" json:"data-dir"`
	NodeID            string     `toml:"node-id" json:"node-id"`
	HeartbeatInterval int        `toml:"heartbeat-interval" json:"heartbeat-interval"`
	GC                Retention  `toml:"gc" json:"gc"`
	GenBinlogInterval Seconds    `toml:"gen-binlog-interval" json:"gen-binlog-interval"`
	LogLevel          string     `toml:"log-level" json:"log-level"`
	LogFile           string     `toml:"log-file" json:"log-file"`
	MetricsAddr       string     `toml:"metrics-addr" json:"metrics-addr"`
	MetricsInterval   int        `toml:"metrics-interval" json:"metrics-interval"`
	MaxMessageSize    int        `toml:"max-message-size" json:"max-message-size"`
	EnableDebug       bool       `toml:"enable-debug" json:"enable-debug"`
	MaxTxnTimeout     int        `toml:"max-txn-timeout" json:"max-txn-timeout"` // seconds
	TiDBStatusURLs    StringList `toml:"tidb-status-urls" json:"tidb-status-urls"`

	// FakeBinlogInterval is the flag's spelling accepted as a TOML key too;
	// Adjust folds it into GenBinlogInterval.
	FakeBinlogInterval *Seconds `toml:"fake-binlog-interval" json:"-"`

	Security security.Config `toml:"security" json:"security"`
	Storage  StorageConfig   `toml:"storage" json:"storage"`

	// PrintVersion is set by -V.
	PrintVersion bool `toml:"-" json:"-"`
	// Warnings collects notes for the log (deprecated flags) found by Parse.
	Warnings []string `toml:"-" json:"-"`

	configFile string
	explicit   map[string]bool
}

// StorageConfig is the [storage] section.
type StorageConfig struct {
	SyncLog                   bool              `toml:"sync-log" json:"sync-log"`
	KVChanCap                 int               `toml:"kv_chan_cap" json:"kv_chan_cap"`
	SlowWriteThreshold        float64           `toml:"slow_write_threshold" json:"slow_write_threshold"` // seconds
	StopWriteAtAvailableSpace config.ByteSize   `toml:"stop-write-at-available-space" json:"stop-write-at-available-space"`
	KV                        storage.KVOptions `toml:"kv" json:"kv"`
}

// DefaultConfig returns the configuration with every default applied.
func DefaultConfig() *Config {
	return &Config{
		ListenAddr:        config.DefaultListenAddr(DefaultPort),
		PDURLs:            DefaultPDURLs,
		DataDir:           DefaultDataDir,
		HeartbeatInterval: DefaultHeartbeatInterval,
		GC:                Retention{DefaultGCDays * day},
		GenBinlogInterval: Seconds{defaultFakeInterval},
		LogLevel:          "info",
		MetricsInterval:   DefaultMetricsInterval,
		MaxMessageSize:    DefaultMaxMessageSize,
		MaxTxnTimeout:     DefaultMaxTxnTimeout,
		Storage: StorageConfig{
			SyncLog:                   true,
			KVChanCap:                 DefaultKVChanCap,
			SlowWriteThreshold:        defaultSlowWrite,
			StopWriteAtAvailableSpace: DefaultStopWriteSpace,
			KV:                        storage.DefaultKVOptions(),
		},
	}
}

// deprecatedFlags returns the flags that are accepted and ignored.
func deprecatedFlags() []string {
	return []string{"binlog-file-size", "enable-binlog-slice", "binlog-slice-size", "log-rotate"}
}

// AddFlags binds the command-line flags to c; the current values of c are
// the flag defaults.
func (c *Config) AddFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.ListenAddr, "addr", c.ListenAddr, "addr (i.e. 'host:port') to listen on for gRPC and HTTP")
	fs.StringVar(&c.AdvertiseAddr, "advertise-addr", c.AdvertiseAddr, "addr (i.e. 'host:port') registered in etcd for clients; default: addr")
	fs.StringVar(&c.Socket, "socket", c.Socket, "unix socket path to listen on for gRPC clients")
	fs.StringVar(&c.PDURLs, "pd-urls", c.PDURLs, "a comma separated list of the PD endpoints")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "the path to store binlog data")
	fs.StringVar(&c.NodeID, "node-id", c.NodeID, "the ID of the pump node; default: <data-dir>/.node or hostname:port")
	fs.IntVar(&c.HeartbeatInterval, "heartbeat-interval", c.HeartbeatInterval, "number of seconds between heartbeats to etcd")
	fs.Var(&c.GC, "gc", "keep binlogs for this many days (7) or this duration (8h)")
	fs.Var(&c.GenBinlogInterval, "fake-binlog-interval", "write a fake binlog after this many idle seconds (3, 0.5 or 500ms)")
	fs.Var(&c.GenBinlogInterval, "gen-binlog-interval", "same as -fake-binlog-interval (the TOML key's spelling)")
	fs.StringVar(&c.LogLevel, "L", c.LogLevel, "log level: debug, info, warn, error, fatal")
	fs.StringVar(&c.LogFile, "log-file", c.LogFile, "log file path; default: stderr")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "prometheus pushgateway address; empty disables pushing")
	fs.IntVar(&c.MetricsInterval, "metrics-interval", c.MetricsInterval, "prometheus push interval in seconds; 0 disables pushing")
	fs.IntVar(&c.MaxMessageSize, "max-message-size", c.MaxMessageSize, "max size in bytes of a gRPC message the pump accepts")
	fs.BoolVar(&c.EnableDebug, "enable-debug", c.EnableDebug, "enable debug logging")
	fs.IntVar(&c.MaxTxnTimeout, "max-txn-timeout", c.MaxTxnTimeout, "seconds after its start_ts a txn without a commit binlog and without MVCC record is taken as rolled back")
	fs.Var(&c.TiDBStatusURLs, "tidb-status-urls", "comma separated TiDB status URLs for resolving missing commit binlogs; default: TiDB topology in etcd")
	fs.StringVar(&c.configFile, "config", c.configFile, "path to the pump configuration file")
	fs.BoolVar(&c.PrintVersion, "V", c.PrintVersion, "print version information and exit")
	fs.Int64("binlog-file-size", 0, "DEPRECATED: ignored")
	fs.Bool("enable-binlog-slice", false, "DEPRECATED: ignored")
	fs.Int("binlog-slice-size", 0, "DEPRECATED: ignored")
	fs.String("log-rotate", "", "DEPRECATED: ignored")
}

// Parse reads flags, then the config file strictly, then the flags again,
// then PUMP_* environment variables for flags not given; then it adjusts and
// validates. With -V it stops after reading.
func (c *Config) Parse(args []string) error {
	fs := flag.NewFlagSet("pump", flag.ContinueOnError)
	c.AddFlags(fs)
	if err := config.Load(fs, args, &c.configFile, c, envPrefix); err != nil {
		return err
	}
	c.explicit = config.ExplicitFlags(fs)
	for _, name := range deprecatedFlags() {
		if c.explicit[name] {
			c.Warnings = append(c.Warnings, fmt.Sprintf("flag -%s is deprecated and ignored", name))
		}
	}
	if c.PrintVersion {
		return nil
	}
	c.Adjust()
	return c.Validate()
}

// ConfigFile returns the path given with -config.
func (c *Config) ConfigFile() string { return c.configFile }
