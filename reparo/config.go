package reparo

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/config"
)

// Destination types (dest-type).
const (
	DestMySQL  = "mysql"
	DestPrint  = "print"
	DestMemory = "memory"
	DestUndo   = "undo"
)

// Defaults of the reparo configuration (SPEC 7).
const (
	DefaultTxnBatch         = 20
	DefaultWorkerCount      = 16
	DefaultProgressInterval = 10 * time.Second
	envPrefix               = "Reparo_"
	timeFormat              = "2006-01-02 15:04:05"
)

// ErrInvalidConfig wraps every validation failure of the configuration.
var ErrInvalidConfig = errors.New("reparo: invalid config")

// DBConfig is the [dest-db] section: the downstream MySQL (no TLS, as in
// the original).
type DBConfig struct {
	Host     string `toml:"host" json:"host"`
	Port     int    `toml:"port" json:"port"`
	User     string `toml:"user" json:"user"`
	Password string `toml:"password" json:"password"`
}

// Config is the reparo configuration: the original's TOML keys and flags,
// plus the keys of what reparo does beyond the original (checkpoint,
// progress, undo).
type Config struct {
	DataDir       string `toml:"data-dir" json:"data-dir"`
	StartDatetime string `toml:"start-datetime" json:"start-datetime"`
	StopDatetime  string `toml:"stop-datetime" json:"stop-datetime"`
	StartTSO      int64  `toml:"start-tso" json:"start-tso"`
	StopTSO       int64  `toml:"stop-tso" json:"stop-tso"`

	DestType string    `toml:"dest-type" json:"dest-type"`
	DestDB   *DBConfig `toml:"dest-db" json:"dest-db"`

	DoTables     []TableName `toml:"replicate-do-table" json:"replicate-do-table"`
	DoDBs        []string    `toml:"replicate-do-db" json:"replicate-do-db"`
	IgnoreTables []TableName `toml:"replicate-ignore-table" json:"replicate-ignore-table"`
	IgnoreDBs    []string    `toml:"replicate-ignore-db" json:"replicate-ignore-db"`

	LogFile     string `toml:"log-file" json:"log-file"`
	LogLevel    string `toml:"log-level" json:"log-level"`
	SafeMode    bool   `toml:"safe-mode" json:"safe-mode"`
	TxnBatch    int    `toml:"txn-batch" json:"txn-batch"`
	WorkerCount int    `toml:"worker-count" json:"worker-count"`

	// Beyond the original.

	// Resume keeps a checkpoint (in the destination database, or in
	// CheckpointFile) and continues an interrupted restore from it.
	Resume bool `toml:"resume" json:"resume"`
	// CheckpointFile is the checkpoint of the print destination ("" = none).
	CheckpointFile string `toml:"checkpoint-file" json:"checkpoint-file"`
	// ProgressInterval is the period of progress log lines when stderr is
	// not a terminal (0 disables them; the summary is always logged).
	ProgressInterval config.Duration `toml:"progress-interval" json:"progress-interval"`
	// Apply makes dest-type "undo" run the reverting SQL on dest-db instead
	// of printing it.
	Apply bool `toml:"apply" json:"apply"`

	// PrintVersion is set by -V.
	PrintVersion bool `toml:"-" json:"-"`

	configFile string
}

// DefaultConfig returns the configuration with every default applied.
func DefaultConfig() *Config {
	return &Config{
		DestType:         DestPrint,
		LogLevel:         "info",
		TxnBatch:         DefaultTxnBatch,
		WorkerCount:      DefaultWorkerCount,
		Resume:           true,
		ProgressInterval: config.Duration{Duration: DefaultProgressInterval},
	}
}

// AddFlags binds the command-line flags to c; the current values of c are
// the flag defaults. The names are the original's (-c is worker-count, -L
// the log level).
func (c *Config) AddFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory of the drainer's binlog files")
	fs.StringVar(&c.StartDatetime, "start-datetime", c.StartDatetime, "restore from this local time ('2006-01-02 15:04:05'); empty: from the first binlog")
	fs.StringVar(&c.StopDatetime, "stop-datetime", c.StopDatetime, "restore up to this local time, inclusive; empty: to the end")
	fs.Int64Var(&c.StartTSO, "start-tso", c.StartTSO, "like start-datetime, as a TSO")
	fs.Int64Var(&c.StopTSO, "stop-tso", c.StopTSO, "like stop-datetime, as a TSO; 0: to the end")
	fs.StringVar(&c.DestType, "dest-type", c.DestType, "destination: mysql, print, memory or undo")
	fs.StringVar(&c.LogFile, "log-file", c.LogFile, "log file path; default: stderr")
	fs.StringVar(&c.LogLevel, "L", c.LogLevel, "log level: debug, info, warn, error, fatal")
	fs.StringVar(&c.configFile, "config", c.configFile, "path to the configuration file (required for mysql)")
	fs.BoolVar(&c.PrintVersion, "V", c.PrintVersion, "print version information and exit")
	fs.BoolVar(&c.SafeMode, "safe-mode", c.SafeMode, "INSERT as REPLACE, UPDATE as DELETE + REPLACE (re-entrant restore)")
	fs.IntVar(&c.TxnBatch, "txn-batch", c.TxnBatch, "number of row changes in one downstream transaction")
	fs.IntVar(&c.WorkerCount, "c", c.WorkerCount, "number of parallel workers writing to the destination")
	fs.BoolVar(&c.Resume, "resume", c.Resume, "keep a checkpoint and continue an interrupted restore from it")
	fs.StringVar(&c.CheckpointFile, "checkpoint-file", c.CheckpointFile, "checkpoint file of dest-type print; empty: none")
	fs.Var(&c.ProgressInterval, "progress-interval", "period of progress log lines when stderr is not a terminal; 0 disables them")
	fs.BoolVar(&c.Apply, "apply", c.Apply, "with dest-type undo: run the reverting SQL on dest-db instead of printing it")
}

// Parse reads flags, then the config file strictly, then the flags again,
// then Reparo_* environment variables for flags not given; then it adjusts
// and validates. With -V it stops after reading.
func (c *Config) Parse(args []string) error {
	fs := flag.NewFlagSet("reparo", flag.ContinueOnError)
	c.AddFlags(fs)
	if err := config.Load(fs, args, &c.configFile, c, envPrefix); err != nil {
		return err
	}
	if c.PrintVersion {
		return nil
	}
	if c.needsDB() && c.configFile == "" {
		return fmt.Errorf("%w: please specify a config file (-config) with [dest-db] for dest-type %s", ErrInvalidConfig, c.DestType)
	}
	if err := c.Adjust(); err != nil {
		return err
	}
	return c.Validate()
}

// ConfigFile returns the path given with -config.
func (c *Config) ConfigFile() string { return c.configFile }

// needsDB reports whether the destination writes to dest-db.
func (c *Config) needsDB() bool {
	return c.DestType == DestMySQL || (c.DestType == DestUndo && c.Apply)
}

// Adjust lower-cases the do-lists (as the original) and turns the datetimes
// into TSOs; a datetime wins over the TSO of the same end.
func (c *Config) Adjust() error {
	for i := range c.DoTables {
		c.DoTables[i].Schema = strings.ToLower(c.DoTables[i].Schema)
		c.DoTables[i].Table = strings.ToLower(c.DoTables[i].Table)
	}
	for i := range c.DoDBs {
		c.DoDBs[i] = strings.ToLower(c.DoDBs[i])
	}
	if c.StartDatetime != "" {
		ts, err := DatetimeToTSO(c.StartDatetime, time.Local)
		if err != nil {
			return fmt.Errorf("%w: start-datetime: %w", ErrInvalidConfig, err)
		}
		c.StartTSO = ts
	}
	if c.StopDatetime != "" {
		ts, err := DatetimeToTSO(c.StopDatetime, time.Local)
		if err != nil {
			return fmt.Errorf("%w: stop-datetime: %w", ErrInvalidConfig, err)
		}
		c.StopTSO = ts
	}
	return nil
}

// Validate checks the adjusted configuration; errors wrap ErrInvalidConfig.
func (c *Config) Validate() error {
	if c.DataDir == "" {
		return fmt.Errorf("%w: data-dir is empty", ErrInvalidConfig)
	}
	switch c.DestType {
	case DestMySQL, DestPrint, DestMemory, DestUndo:
	default:
		return fmt.Errorf("%w: dest type %q is not supported (mysql, print, memory, undo)", ErrInvalidConfig, c.DestType)
	}
	if c.needsDB() && (c.DestDB == nil || c.DestDB.Host == "") {
		return fmt.Errorf("%w: dest-db must be set for dest-type %s", ErrInvalidConfig, c.DestType)
	}
	if c.Apply && c.DestType != DestUndo {
		return fmt.Errorf("%w: -apply is only for dest-type undo", ErrInvalidConfig)
	}
	if c.StartTSO < 0 || c.StopTSO < 0 {
		return fmt.Errorf("%w: start-tso and stop-tso must not be negative", ErrInvalidConfig)
	}
	if c.StopTSO != 0 && c.StopTSO < c.StartTSO {
		return fmt.Errorf("%w: the stop time (tso %d) is before the start time (tso %d)", ErrInvalidConfig, c.StopTSO, c.StartTSO)
	}
	if c.TxnBatch <= 0 || c.WorkerCount <= 0 {
		return fmt.Errorf("%w: txn-batch and worker-count must be > 0", ErrInvalidConfig)
	}
	if c.ProgressInterval.Duration < 0 {
		return fmt.Errorf("%w: progress-interval must not be negative", ErrInvalidConfig)
	}
	return nil
}

// String renders the configuration as JSON with the password redacted.
func (c *Config) String() string {
	cp := *c
	if c.DestDB != nil {
		db := *c.DestDB
		db.Password = config.Redact(db.Password)
		cp.DestDB = &db
	}
	b, err := json.Marshal(&cp)
	if err != nil {
		return fmt.Sprintf("<config: %v>", err)
	}
	return string(b)
}
