package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/openbinlog/tidb-binlog/drainer"
	"github.com/openbinlog/tidb-binlog/pkg/log"
	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/version"
	"go.uber.org/zap"
	"google.golang.org/grpc/grpclog"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses the configuration, starts the drainer and waits for a signal,
// for an HTTP pause/close action or for a fatal error. A second signal
// exits at once.
func run(args []string, stdout, stderr io.Writer) int {
	cfg := drainer.DefaultConfig()
	if err := cfg.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, err)
		return 2
	}
	if cfg.PrintVersion {
		fmt.Fprintln(stdout, version.Info())
		return 0
	}
	lg, err := log.New(log.Config{Level: cfg.LogLevel, File: cfg.LogFile})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	defer func() { _ = lg.Sync() }()
	grpclog.SetLoggerV2(log.GRPCLogger(lg))
	pd.SetClientLogger(log.Library(lg, "pd"))
	version.LogInfo(lg)
	for _, w := range cfg.Warnings {
		lg.Warn(w)
	}
	lg.Info("drainer config", zap.Stringer("config", cfg))
	limit, fromEnv := drainer.ApplySoftMemoryLimit(cfg)
	lg.Info("go runtime soft memory limit", zap.Int64("bytes", limit), zap.Bool("fromGOMEMLIMIT", fromEnv))
	return serve(cfg, lg, stderr)
}

func serve(cfg *drainer.Config, lg *zap.Logger, stderr io.Writer) int {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT)
	defer signal.Stop(sig)
	// A signal while the drainer is still starting (waiting for PD or for
	// TiDB's DDL history) stops the start.
	startCtx, cancelStart := context.WithCancel(context.Background())
	defer cancelStart()
	starting := make(chan struct{})
	go func() {
		select {
		case s := <-sig:
			lg.Info("got signal while starting, giving up", zap.Stringer("signal", s))
			cancelStart()
		case <-starting:
		}
	}()
	srv, err := drainer.NewServer(cfg, lg, append(sinkOptions(), drainer.WithContext(startCtx))...)
	close(starting)
	if err != nil {
		lg.Error("create drainer failed", zap.Error(err))
		fmt.Fprintln(stderr, "create drainer:", err)
		return 1
	}
	if err := srv.Start(); err != nil {
		lg.Error("start drainer failed", zap.Error(err))
		fmt.Fprintln(stderr, "start drainer:", err)
		_ = srv.Close()
		return 1
	}
	select {
	case s := <-sig:
		lg.Info("got signal, closing drainer", zap.Stringer("signal", s))
		closed := make(chan struct{})
		defer close(closed)
		go func() {
			select {
			case s := <-sig:
				lg.Warn("got a second signal, exiting now", zap.Stringer("signal", s))
				os.Exit(1)
			case <-closed:
			}
		}()
		_ = srv.Close()
	case <-startCtx.Done(): // the signal came just as the start finished
		_ = srv.Close()
	case <-srv.Done():
	}
	if err := srv.Err(); err != nil {
		lg.Error("drainer exit with error", zap.Error(err))
		fmt.Fprintln(stderr, "drainer:", err)
		return 1
	}
	lg.Info("drainer exit")
	return 0
}
