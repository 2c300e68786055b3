package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/IBM/sarama"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/push"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/arbiter"
	"github.com/openbinlog/tidb-binlog/pkg/log"
	"github.com/openbinlog/tidb-binlog/pkg/version"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitConfig = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args, replicates until ctx ends and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg := arbiter.DefaultConfig()
	if err := cfg.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintln(stderr, err)
		return exitConfig
	}
	if cfg.PrintVersion {
		fmt.Fprintln(stdout, version.Info())
		return exitOK
	}
	lg, err := log.New(log.Config{Level: cfg.LogLevel, File: cfg.LogFile})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitConfig
	}
	defer func() { _ = lg.Sync() }()
	version.LogInfo(lg)
	lg.Info("arbiter config", zap.Stringer("config", cfg))
	if cfg.OpenSaramaLog {
		sarama.Logger = zap.NewStdLog(lg.With(zap.String("component", "sarama")))
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a, err := arbiter.New(cfg, arbiter.Deps{Logger: lg, Registerer: reg})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitConfig
	}
	pushCtx, cancelPush := context.WithCancel(ctx)
	defer cancelPush()
	go pushMetrics(pushCtx, cfg, reg, lg)
	if err := a.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "arbiter: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// pushMetrics pushes to the gateway every interval, as instance
// hostname_port.
func pushMetrics(ctx context.Context, cfg *arbiter.Config, reg *prometheus.Registry, lg *zap.Logger) {
	if cfg.Metrics.Addr == "" || cfg.Metrics.Interval <= 0 {
		return
	}
	addr := cfg.Metrics.Addr
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	pusher := push.New(addr, "binlog").Gatherer(reg).Grouping("instance", instanceName(cfg.Addr))
	t := time.NewTicker(time.Duration(cfg.Metrics.Interval) * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := pusher.PushContext(ctx); err != nil && ctx.Err() == nil {
				lg.Warn("push metrics failed", zap.String("addr", addr), zap.Error(err))
			}
		}
	}
}

// instanceName is hostname_port of addr.
func instanceName(addr string) string {
	host, _ := os.Hostname()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return host
	}
	return host + "_" + port
}
