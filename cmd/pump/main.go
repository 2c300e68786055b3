package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/openbinlog/tidb-binlog/pkg/log"
	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/version"
	"github.com/openbinlog/tidb-binlog/pump"
	"go.uber.org/zap"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/grpclog"
)

// The proto codec takes its buffers from gRPC's default pool, which can only
// be replaced at init; see pump.BufferPool.
func init() { experimental.SetDefaultBufferPool(pump.BufferPool()) }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses the configuration, starts the pump and waits for a signal or
// for the pump to close itself (HTTP pause/close action). Signals received
// while the pump closes are ignored, as the original does: a stop always
// records the final state (`timeout` sends two SIGTERMs at once).
func run(args []string, stdout, stderr io.Writer) int {
	cfg := pump.DefaultConfig()
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
	level := cfg.LogLevel
	if cfg.EnableDebug {
		level = "debug"
	}
	lg, err := log.New(log.Config{Level: level, File: cfg.LogFile})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	defer func() { _ = lg.Sync() }()
	setLibraryLoggers(lg)
	version.LogInfo(lg)
	for _, w := range cfg.Warnings {
		lg.Warn(w)
	}
	lg.Info("pump config", zap.Stringer("config", cfg))
	return serve(cfg, lg)
}

// setLibraryLoggers routes gRPC's and the PD client's logs to lg. gRPC's
// logger may only be replaced before gRPC runs (it is not synchronized):
// tests that call run next to an in-process pd-lite, whose etcd logs
// through gRPC, replace this function.
var setLibraryLoggers = func(lg *zap.Logger) {
	grpclog.SetLoggerV2(log.GRPCLogger(lg))
	pd.SetClientLogger(log.Library(lg, "pd"))
}

func serve(cfg *pump.Config, lg *zap.Logger) int {
	srv, err := pump.NewServer(cfg, lg)
	if err != nil {
		lg.Error("create pump failed", zap.Error(err))
		return 1
	}
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT)
	defer signal.Stop(sig)
	if err := srv.Start(); err != nil {
		lg.Error("start pump failed", zap.Error(err))
		_ = srv.Close()
		return 1
	}
	select {
	case s := <-sig:
		lg.Info("got signal, closing pump", zap.Stringer("signal", s))
		closed := make(chan struct{})
		defer close(closed)
		go ignoreSignals(sig, closed, lg)
		_ = srv.Close()
	case <-srv.Done():
	}
	lg.Info("pump exit")
	return 0
}

// ignoreSignals logs and drops the signals received until closed is closed.
func ignoreSignals(sig <-chan os.Signal, closed <-chan struct{}, lg *zap.Logger) {
	for {
		select {
		case s := <-sig:
			lg.Info("already closing, signal ignored", zap.Stringer("signal", s))
		case <-closed:
			return
		}
	}
}
