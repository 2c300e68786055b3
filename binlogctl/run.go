package binlogctl

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/version"
	"go.uber.org/zap"
)

// Run executes the command of cfg (already parsed), writing its result to
// out. lg receives the diagnostics of the etcd and PD clients; nil means none.
func Run(ctx context.Context, cfg *Config, out io.Writer, lg *zap.Logger) error {
	if lg == nil {
		lg = zap.NewNop()
	}
	if cfg.PrintVersion {
		_, err := fmt.Fprintln(out, version.Info())
		return err
	}
	switch cfg.Command {
	case CmdEncrypt:
		return Encrypt(out, cfg.Text)
	case CmdGenerateMeta:
		return runGenerateMeta(ctx, cfg, out, lg)
	case CmdPumps, CmdDrainers, CmdUpdatePump, CmdUpdateDrainer,
		CmdPausePump, CmdPauseDrainer, CmdOfflinePump, CmdOfflineDrainer:
		return runNodeCommand(ctx, cfg, out, lg)
	}
	return fmt.Errorf("cmd %s: %w", cfg.Command, ErrNotSupported)
}

func runGenerateMeta(ctx context.Context, cfg *Config, out io.Writer, lg *zap.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.stepTimeout())
	defer cancel()
	cli, err := pd.NewClient(ctx, []string{cfg.PDURLs}, cfg.Security(), lg, pd.WithConnectTimeout(cfg.stepTimeout()))
	if err != nil {
		return fmt.Errorf("connect PD %s: %w", cfg.PDURLs, err)
	}
	defer cli.Close()
	return GenerateMeta(ctx, out, cli, cfg.DataDir, cfg.TimeZone)
}

func runNodeCommand(ctx context.Context, cfg *Config, out io.Writer, lg *zap.Logger) error {
	tlsCfg, err := cfg.TLS()
	if err != nil {
		return err
	}
	cli, err := registry.NewEtcdClient([]string{cfg.PDURLs}, tlsCfg, lg)
	if err != nil {
		return fmt.Errorf("connect PD %s: %w", cfg.PDURLs, err)
	}
	defer cli.Close()
	reg := registry.New(cli, lg)
	ctx, cancel := context.WithTimeout(ctx, cfg.stepTimeout())
	defer cancel()
	err = dispatchNodeCommand(ctx, cfg, out, reg, tlsCfg)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%s: PD %s did not answer within %s: %w", cfg.Command, cfg.PDURLs, cfg.stepTimeout(), err)
	}
	return err
}

func dispatchNodeCommand(ctx context.Context, cfg *Config, out io.Writer, reg *registry.Registry, tlsCfg *tls.Config) error {
	kind := registry.KindPump
	if strings.HasSuffix(cfg.Command, "drainer") || cfg.Command == CmdDrainers {
		kind = registry.KindDrainer
	}
	client := newHTTPClient(tlsCfg, cfg)
	defer client.CloseIdleConnections()
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
	}
	switch cfg.Command {
	case CmdPumps:
		return QueryNodes(ctx, out, reg, kind, cfg.ShowOfflineNodes, nil)
	case CmdDrainers:
		gc := &pumpGCPoints{nodes: reg, client: client, scheme: scheme, timeout: gcQueryTimeout}
		return QueryNodes(ctx, out, reg, kind, cfg.ShowOfflineNodes, gc)
	case CmdUpdatePump, CmdUpdateDrainer:
		return UpdateNodeState(ctx, out, reg, kind, cfg.NodeID, cfg.State)
	case CmdPausePump, CmdPauseDrainer:
		return ApplyAction(ctx, out, reg, client, scheme, kind, cfg.NodeID, ActionPause)
	default: // offline-pump, offline-drainer
		return ApplyAction(ctx, out, reg, client, scheme, kind, cfg.NodeID, ActionClose)
	}
}

func newHTTPClient(tlsCfg *tls.Config, cfg *Config) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsCfg
	return &http.Client{Transport: tr, Timeout: cfg.stepTimeout()}
}

func (c *Config) stepTimeout() time.Duration {
	if c.Timeout <= 0 {
		return DefaultTimeout
	}
	return c.Timeout
}
