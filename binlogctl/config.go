package binlogctl

import (
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/security"
)

// Commands accepted by -cmd.
const (
	CmdGenerateMeta   = "generate_meta"
	CmdPumps          = "pumps"
	CmdDrainers       = "drainers"
	CmdUpdatePump     = "update-pump"
	CmdUpdateDrainer  = "update-drainer"
	CmdPausePump      = "pause-pump"
	CmdPauseDrainer   = "pause-drainer"
	CmdOfflinePump    = "offline-pump"
	CmdOfflineDrainer = "offline-drainer"
	CmdEncrypt        = "encrypt"
)

// Actions sent to a node's PUT /state/{nodeID}/{action}.
const (
	ActionPause = "pause"
	ActionClose = "close"
)

// Defaults of the original tool.
const (
	DefaultPDURLs  = "http://127.0.0.1:2379"
	DefaultDataDir = "binlog_position"
	// DefaultTimeout bounds each step that talks to PD or a node (the
	// original's 5 s etcd dial/request timeout).
	DefaultTimeout = 5 * time.Second
)

// Sentinel errors.
var (
	ErrNotSupported = errors.New("binlogctl: not supported")
	ErrBadState     = errors.New("binlogctl: illegal state")
	ErrBadFlag      = errors.New("binlogctl: invalid flag")
	ErrNoNodeID     = errors.New("binlogctl: -node-id is required")
	ErrNoText       = errors.New("binlogctl: need to specify the text to be encrypted (-text)")
	ErrActionFailed = errors.New("binlogctl: node refused the action")
)

// Config holds the command line of binlogctl. There is no config file and
// no environment override, as in the original.
type Config struct {
	Command          string
	NodeID           string
	DataDir          string
	TimeZone         string
	PDURLs           string
	SSLCA            string
	SSLCert          string
	SSLKey           string
	State            string
	Text             string
	ShowOfflineNodes bool
	PrintVersion     bool

	// Timeout bounds each network step; 0 means DefaultTimeout. Not a flag.
	Timeout time.Duration
}

// NewConfig returns the defaults.
func NewConfig() *Config {
	return &Config{Command: CmdPumps, DataDir: DefaultDataDir, PDURLs: DefaultPDURLs, Timeout: DefaultTimeout}
}

// NewFlagSet returns the flag set of binlogctl bound to c, with the original
// names, defaults and help texts.
func NewFlagSet(c *Config) *flag.FlagSet {
	fs := flag.NewFlagSet("binlogctl", flag.ContinueOnError)
	fs.StringVar(&c.Command, "cmd", c.Command, `operator: "generate_meta", "pumps", "drainers", "update-pump", "update-drainer", "pause-pump", "pause-drainer", "offline-pump", "offline-drainer", "encrypt"`)
	fs.StringVar(&c.NodeID, "node-id", c.NodeID, "id of node, used to update some nodes with operations update-pump, update-drainer, pause-pump, pause-drainer, offline-pump and offline-drainer")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "meta directory path")
	fs.StringVar(&c.PDURLs, "pd-urls", c.PDURLs, "a comma separated list of PD endpoints")
	fs.StringVar(&c.SSLCA, "ssl-ca", c.SSLCA, "Path of file that contains list of trusted SSL CAs for connection with cluster components.")
	fs.StringVar(&c.SSLCert, "ssl-cert", c.SSLCert, "Path of file that contains X509 certificate in PEM format for connection with cluster components.")
	fs.StringVar(&c.SSLKey, "ssl-key", c.SSLKey, "Path of file that contains X509 key in PEM format for connection with cluster components.")
	fs.StringVar(&c.TimeZone, "time-zone", c.TimeZone, "set time zone if you want to save time info in savepoint file; for example, `Asia/Shanghai` for CST time, `Local` for local time")
	fs.StringVar(&c.State, "state", c.State, "set node's state, can be set to online, pausing, paused, closing or offline.")
	fs.StringVar(&c.Text, "text", c.Text, "text to be encrypted when using encrypt command")
	fs.BoolVar(&c.ShowOfflineNodes, "show-offline-nodes", c.ShowOfflineNodes, "include offline nodes when querying pumps/drainers")
	fs.BoolVar(&c.PrintVersion, "V", c.PrintVersion, "prints version and exit")
	return fs
}

// Parse parses args into c and validates the result. flag.ErrHelp is
// returned for -h.
func (c *Config) Parse(args []string) error {
	fs := NewFlagSet(c)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: '%s' is not a valid flag", ErrBadFlag, fs.Arg(0))
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	return c.Validate()
}

// Validate checks the PD URLs and the TLS files.
func (c *Config) Validate() error {
	if _, err := registry.NormalizeURLs([]string{c.PDURLs}, false); err != nil {
		return fmt.Errorf("parse pd-urls %q: %w", c.PDURLs, err)
	}
	if _, err := c.TLS(); err != nil {
		return err
	}
	return nil
}

// Security returns the TLS settings of the command line.
func (c *Config) Security() security.Config {
	return security.Config{SSLCA: c.SSLCA, SSLCert: c.SSLCert, SSLKey: c.SSLKey}
}

// TLS builds the client TLS config; nil when -ssl-ca is empty.
func (c *Config) TLS() (*tls.Config, error) {
	tlsCfg, err := c.Security().ToTLSConfig()
	if err != nil {
		return nil, fmt.Errorf("tls config: %w", err)
	}
	return tlsCfg, nil
}
