package pd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	pingcaplog "github.com/pingcap/log"
	pdclient "github.com/tikv/pd/client"
	"github.com/tikv/pd/client/opt"
	"go.uber.org/zap"
)

// DefaultConnectTimeout bounds NewClient when PD does not answer.
const DefaultConnectTimeout = 10 * time.Second

// Sentinel errors.
var (
	ErrUnreachable = errors.New("pd: PD is unreachable")
	ErrNoURLs      = errors.New("pd: no PD URLs")
)

// Option tunes NewClient.
type Option func(*options)

type options struct {
	connectTimeout time.Duration
	rpcTimeout     time.Duration
}

// WithConnectTimeout bounds how long NewClient waits for PD (default 10 s).
func WithConnectTimeout(d time.Duration) Option { return func(o *options) { o.connectTimeout = d } }

// WithRPCTimeout sets the PD client's per-request timeout (default: the PD client's, 3 s).
func WithRPCTimeout(d time.Duration) Option { return func(o *options) { o.rpcTimeout = d } }

// Client obtains the cluster ID and timestamps from PD.
type Client struct {
	cli       pdclient.Client
	cancel    context.CancelFunc
	clusterID uint64
	lg        *zap.Logger
}

// NewClient connects to PD at urls ("host:port" or "http(s)://host:port",
// elements may be comma-separated lists). TLS is used when sec is enabled.
// ctx bounds only the connection; the client lives until Close.
func NewClient(ctx context.Context, urls []string, sec security.Config, lg *zap.Logger, opts ...Option) (*Client, error) {
	o := options{connectTimeout: DefaultConnectTimeout}
	for _, f := range opts {
		f(&o)
	}
	if lg == nil {
		lg = zap.NewNop()
	}
	addrs := splitURLs(urls)
	if len(addrs) == 0 {
		return nil, ErrNoURLs
	}
	if _, err := sec.ToTLSConfig(); err != nil {
		return nil, fmt.Errorf("pd security: %w", err)
	}
	secOpt := pdclient.SecurityOption{CAPath: sec.SSLCA, CertPath: sec.SSLCert, KeyPath: sec.SSLKey}
	pdOpts := []opt.ClientOption{opt.WithInitMetricsOption(false)}
	if o.rpcTimeout > 0 {
		pdOpts = append(pdOpts, opt.WithCustomTimeoutOption(o.rpcTimeout))
	}

	cctx, cancel := context.WithCancel(context.Background())
	stopCtx := context.AfterFunc(ctx, cancel)
	timer := time.AfterFunc(o.connectTimeout, cancel)
	cli, err := pdclient.NewClientWithContext(cctx, addrs, secOpt, pdOpts...)
	inTime := timer.Stop() && stopCtx()
	switch {
	case err != nil && ctx.Err() != nil:
		cancel()
		return nil, fmt.Errorf("connect PD %s: %w", strings.Join(addrs, ","), ctx.Err())
	case err != nil && !inTime:
		cancel()
		return nil, fmt.Errorf("connect PD %s within %s: %w: %w", strings.Join(addrs, ","), o.connectTimeout, ErrUnreachable, err)
	case err != nil:
		cancel()
		return nil, fmt.Errorf("connect PD %s: %w", strings.Join(addrs, ","), err)
	case !inTime:
		cli.Close()
		cancel()
		return nil, fmt.Errorf("connect PD %s within %s: %w", strings.Join(addrs, ","), o.connectTimeout, ErrUnreachable)
	}
	c := &Client{cli: cli, cancel: cancel, clusterID: cli.GetClusterID(context.Background()), lg: lg.With(zap.String("component", "pd"))}
	c.lg.Info("connected to PD", zap.Strings("urls", addrs), zap.Uint64("clusterID", c.clusterID))
	return c, nil
}

func splitURLs(urls []string) []string {
	var out []string
	for _, u := range urls {
		out = append(out, config.SplitList(u)...)
	}
	return out
}

// ClusterID returns PD's cluster ID.
func (c *Client) ClusterID() uint64 { return c.clusterID }

// TSO returns a new timestamp (physical_ms<<18 | logical), larger than every
// timestamp PD handed out before.
func (c *Client) TSO(ctx context.Context) (int64, error) {
	physical, logical, err := c.cli.GetTS(ctx)
	if err != nil {
		return 0, fmt.Errorf("get tso: %w", err)
	}
	return ComposeTS(physical, logical), nil
}

// Close releases the connection.
func (c *Client) Close() {
	c.cli.Close()
	c.cancel()
}

// SetClientLogger routes the logs of the PD client library (which logs through
// the process-wide github.com/pingcap/log logger, to stdout by default) to lg.
// It changes process-global state: call it once, from a main package.
func SetClientLogger(lg *zap.Logger) {
	if lg == nil {
		lg = zap.NewNop()
	}
	pingcaplog.ReplaceGlobals(lg, &pingcaplog.ZapProperties{Core: lg.Core(), Level: zap.NewAtomicLevel()})
}
