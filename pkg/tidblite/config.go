package tidblite

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/security"
)

// Fault modes of the crash switch (Config.CrashNextTxn, POST /fault/crash).
const (
	// CrashNone disarms the switch.
	CrashNone = ""
	// CrashBeforeCommit: the next transaction with row changes writes its
	// prewrite binlog and dies before it commits. Its lock stays visible in
	// /mvcc/hex until Config.LockTTL has passed, then it reads as rolled back.
	CrashBeforeCommit = "before-commit"
	// CrashAfterCommit: the next transaction commits but never writes its
	// commit binlog; /mvcc/hex shows the commit.
	CrashAfterCommit = "after-commit"
)

// Defaults, as in tidb-server where it has the same setting.
const (
	DefaultPort               = 4000
	DefaultStatusPort         = 10080
	DefaultBinlogWriteTimeout = 15 * time.Second
	DefaultLockTTL            = 3 * time.Second
	DefaultTopologyTTL        = 45 * time.Second
	DefaultStrategy           = "range"
)

// Errors of the configuration.
var (
	ErrBadCrashMode = errors.New("tidblite: unknown crash mode")
	ErrNoPD         = errors.New("tidblite: binlog needs PD (-path)")
	ErrNoStatusCert = errors.New("tidblite: no status certificate")
)

// Config configures a Server.
type Config struct {
	// Addr is the MySQL protocol listen address (host:port; port 0 = any).
	Addr string
	// StatusAddr is the HTTP status listen address.
	StatusAddr string
	// AdvertiseHost is the host registered in the topology; "" = the listen
	// host, or 127.0.0.1 when that is unspecified.
	AdvertiseHost string
	// PDURLs are the PD (pd-lite) URLs. Empty: a standalone server with a
	// local clock TSO and a local DDL history; binlog and topology are off.
	PDURLs []string
	// Security is the cluster TLS: when SSLCA is set, PD, etcd and the
	// pumps are dialed over TLS and the status API is served over TLS with
	// SSLCert/SSLKey, requiring client certificates of SSLCA (CertAllowedCN
	// restricts their common names).
	Security security.Config

	EnableBinlog       bool
	BinlogSocket       string // write to the local pump on this unix socket
	BinlogStrategy     string // range | hash
	BinlogWriteTimeout time.Duration
	BinlogIgnoreError  bool

	// CrashNextTxn arms the fault switch at start (CrashBeforeCommit or
	// CrashAfterCommit).
	CrashNextTxn string
	// LockTTL is how long the lock of a crashed transaction stays live.
	LockTTL time.Duration
	// TopologyTTL is the lease of the topology /ttl key.
	TopologyTTL time.Duration
	// MVCCKeys bounds the number of primary keys kept for /mvcc/hex.
	MVCCKeys int

	Logger     *zap.Logger
	Registerer prometheus.Registerer
}

// DefaultConfig returns the defaults of tidb-server's flags.
func DefaultConfig() Config {
	return Config{
		Addr:               fmt.Sprintf("0.0.0.0:%d", DefaultPort),
		StatusAddr:         fmt.Sprintf("0.0.0.0:%d", DefaultStatusPort),
		BinlogStrategy:     DefaultStrategy,
		BinlogWriteTimeout: DefaultBinlogWriteTimeout,
		LockTTL:            DefaultLockTTL,
		TopologyTTL:        DefaultTopologyTTL,
		MVCCKeys:           defaultMVCCKeys,
	}
}

// adjust fills zero values with defaults.
func (c *Config) adjust() {
	def := DefaultConfig()
	if c.BinlogStrategy == "" {
		c.BinlogStrategy = def.BinlogStrategy
	}
	if c.BinlogWriteTimeout <= 0 {
		c.BinlogWriteTimeout = def.BinlogWriteTimeout
	}
	if c.LockTTL <= 0 {
		c.LockTTL = def.LockTTL
	}
	if c.TopologyTTL <= 0 {
		c.TopologyTTL = def.TopologyTTL
	}
	if c.MVCCKeys <= 0 {
		c.MVCCKeys = def.MVCCKeys
	}
	if c.Logger == nil {
		c.Logger = zap.NewNop()
	}
}

// validate checks the configuration.
func (c *Config) validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("parse listen address %q: %w", c.Addr, err)
	}
	if _, _, err := net.SplitHostPort(c.StatusAddr); err != nil {
		return fmt.Errorf("parse status address %q: %w", c.StatusAddr, err)
	}
	if !validCrashMode(c.CrashNextTxn) {
		return fmt.Errorf("%w: %q", ErrBadCrashMode, c.CrashNextTxn)
	}
	if c.EnableBinlog && len(c.PDURLs) == 0 {
		return ErrNoPD
	}
	return nil
}

func validCrashMode(m string) bool {
	return m == CrashNone || m == CrashBeforeCommit || m == CrashAfterCommit
}

// advertiseHost is the host other components use to reach this server.
func (c *Config) advertiseHost(listenHost string) string {
	if c.AdvertiseHost != "" {
		return c.AdvertiseHost
	}
	ip := net.ParseIP(listenHost)
	if listenHost == "" || (ip != nil && ip.IsUnspecified()) {
		return "127.0.0.1"
	}
	return listenHost
}
