package arbiter

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/openbinlog/tidb-binlog/pkg/config"
)

// Defaults of the arbiter configuration (SPEC 8).
const (
	DefaultAddr            = "127.0.0.1:8251"
	DefaultKafkaAddrs      = "127.0.0.1:9092"
	DefaultKafkaVersion    = "0.8.2.0"
	DefaultWorkerCount     = 16
	DefaultBatchSize       = 64
	DefaultMetricsInterval = 15
	envPrefix              = "BINLOG_SERVER_"
)

// ErrInvalidConfig wraps every configuration problem.
var ErrInvalidConfig = errors.New("arbiter: invalid configuration")

// UpConfig is [up]: the Kafka topic.
type UpConfig struct {
	KafkaAddrs        string `toml:"kafka-addrs" json:"kafka-addrs"`
	KafkaVersion      string `toml:"kafka-version" json:"kafka-version"`
	InitialCommitTS   int64  `toml:"initial-commit-ts" json:"initial-commit-ts"`
	Topic             string `toml:"topic" json:"topic"`
	MessageBufferSize int    `toml:"message-buffer-size" json:"message-buffer-size"`
	SaramaBufferSize  int    `toml:"sarama-buffer-size" json:"sarama-buffer-size"`
}

// DownConfig is [down]: the MySQL or TiDB downstream.
type DownConfig struct {
	Host        string `toml:"host" json:"host"`
	Port        int    `toml:"port" json:"port"`
	User        string `toml:"user" json:"user"`
	Password    string `toml:"password" json:"password"`
	WorkerCount int    `toml:"worker-count" json:"worker-count"`
	BatchSize   int    `toml:"batch-size" json:"batch-size"`
	SafeMode    bool   `toml:"safe-mode" json:"safe-mode"`
}

// MetricsConfig is [metrics]: the Prometheus push gateway.
type MetricsConfig struct {
	Addr     string `toml:"addr" json:"addr"`
	Interval int    `toml:"interval" json:"interval"`
}

// Config is the arbiter configuration.
type Config struct {
	// Addr is only used to name the metrics instance (hostname_port); no
	// server listens on it.
	Addr          string        `toml:"addr" json:"addr"`
	LogLevel      string        `toml:"log-level" json:"log-level"`
	LogFile       string        `toml:"log-file" json:"log-file"`
	OpenSaramaLog bool          `toml:"open-sarama-log" json:"open-sarama-log"`
	Up            UpConfig      `toml:"up" json:"up"`
	Down          DownConfig    `toml:"down" json:"down"`
	Metrics       MetricsConfig `toml:"metrics" json:"metrics"`

	PrintVersion bool   `toml:"-" json:"-"`
	configFile   string `toml:"-"`
}

// DefaultConfig returns the original's defaults.
func DefaultConfig() *Config {
	return &Config{
		Addr:          DefaultAddr,
		LogLevel:      "info",
		OpenSaramaLog: true,
		Up: UpConfig{KafkaAddrs: DefaultKafkaAddrs, KafkaVersion: DefaultKafkaVersion,
			MessageBufferSize: 1, SaramaBufferSize: 1},
		Down: DownConfig{Host: "localhost", Port: 3306, User: "root",
			WorkerCount: DefaultWorkerCount, BatchSize: DefaultBatchSize},
		Metrics: MetricsConfig{Interval: DefaultMetricsInterval},
	}
}

// AddFlags binds the command-line flags (the original's names).
func (c *Config) AddFlags(fs *flag.FlagSet) {
	fs.BoolVar(&c.PrintVersion, "V", c.PrintVersion, "print version information and exit")
	fs.StringVar(&c.Addr, "addr", c.Addr, "host:port naming the metrics instance (nothing listens on it)")
	fs.StringVar(&c.LogFile, "log-file", c.LogFile, "log file path; default: stderr")
	fs.StringVar(&c.LogLevel, "L", c.LogLevel, "log level: debug, info, warn, error, fatal")
	fs.StringVar(&c.configFile, "config", c.configFile, "path to the configuration file")
	fs.BoolVar(&c.OpenSaramaLog, "open-sarama-log", c.OpenSaramaLog, "log what sarama, the Kafka client, logs")
	fs.StringVar(&c.Metrics.Addr, "metrics.addr", c.Metrics.Addr, "Prometheus push gateway address; empty: no push")
	fs.IntVar(&c.Metrics.Interval, "metrics.interval", c.Metrics.Interval, "push interval in seconds; 0: no push")
	fs.BoolVar(&c.Down.SafeMode, "safe-mode", c.Down.SafeMode, "INSERT as REPLACE, UPDATE as DELETE + REPLACE for the whole run")
}

// Parse reads flags, then the config file strictly, then the flags again,
// then BINLOG_SERVER_* environment variables for flags not given; then it
// adjusts and validates. With -V it stops after reading.
func (c *Config) Parse(args []string) error {
	fs := flag.NewFlagSet("arbiter", flag.ContinueOnError)
	c.AddFlags(fs)
	if err := config.Load(fs, args, &c.configFile, c, envPrefix); err != nil {
		return err
	}
	if c.PrintVersion {
		return nil
	}
	c.Adjust()
	return c.Validate()
}

// ConfigFile returns the path given with -config.
func (c *Config) ConfigFile() string { return c.configFile }

// Adjust fills zero values with defaults.
func (c *Config) Adjust() {
	if strings.TrimSpace(c.Up.KafkaAddrs) == "" {
		c.Up.KafkaAddrs = DefaultKafkaAddrs
	}
	if c.Up.KafkaVersion == "" {
		c.Up.KafkaVersion = DefaultKafkaVersion
	}
	if c.Up.MessageBufferSize <= 0 {
		c.Up.MessageBufferSize = 1
	}
	if c.Up.SaramaBufferSize <= 0 {
		c.Up.SaramaBufferSize = 1
	}
	if c.Down.WorkerCount <= 0 {
		c.Down.WorkerCount = DefaultWorkerCount
	}
	if c.Down.BatchSize <= 0 {
		c.Down.BatchSize = DefaultBatchSize
	}
}

// Validate checks what Adjust cannot fix.
func (c *Config) Validate() error {
	if c.Up.Topic == "" {
		return fmt.Errorf("%w: [up] topic is required", ErrInvalidConfig)
	}
	if c.Up.InitialCommitTS < 0 {
		return fmt.Errorf("%w: [up] initial-commit-ts %d is negative", ErrInvalidConfig, c.Up.InitialCommitTS)
	}
	if c.Down.Port <= 0 || c.Down.Port > 65535 {
		return fmt.Errorf("%w: [down] port %d", ErrInvalidConfig, c.Down.Port)
	}
	if c.Metrics.Interval < 0 {
		return fmt.Errorf("%w: metrics interval %d is negative", ErrInvalidConfig, c.Metrics.Interval)
	}
	return nil
}

// KafkaAddrs splits [up] kafka-addrs.
func (c *Config) KafkaAddrs() []string { return config.SplitList(c.Up.KafkaAddrs) }

// String describes the config without the downstream password.
func (c *Config) String() string {
	cp := *c
	cp.Down.Password = config.Redact(c.Down.Password)
	b, err := json.Marshal(&cp)
	if err != nil {
		return fmt.Sprintf("<config: %v>", err)
	}
	return string(b)
}
