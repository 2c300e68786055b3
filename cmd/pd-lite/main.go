// Command pd-lite is a stand-in for PD: one process serving the etcd v3 API
// and PD's TSO/membership gRPC service on the same URL. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/log"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite"
	"github.com/openbinlog/tidb-binlog/pkg/version"
	"go.uber.org/zap"
	"google.golang.org/grpc/grpclog"
)

func main() {
	// pd-lite shares its machine with the components under test. With one
	// P it does not wake a second thread for each TSO request, which on a
	// 2-core VM cut its CPU per request by a quarter and gave a single
	// TiDB writer 30% more transactions/s through the pump, while it serves
	// as many TSO/s as with two (65k/s to 50 client goroutines there).
	// GOMAXPROCS in the environment overrides this.
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line flags.
type options struct {
	clientURLs, peerURLs string
	dataDir, name        string
	logLevel, logFile    string
	printVersion         bool
}

func addFlags(fs *flag.FlagSet, o *options) {
	def := pdlite.DefaultConfig()
	fs.StringVar(&o.clientURLs, "client-urls", strings.Join(def.ClientURLs, ","), "URLs serving etcd and PD clients, comma-separated")
	fs.StringVar(&o.peerURLs, "peer-urls", strings.Join(def.PeerURLs, ","), "etcd peer URLs, comma-separated")
	fs.StringVar(&o.dataDir, "data-dir", def.DataDir, "data directory")
	fs.StringVar(&o.name, "name", def.Name, "member name")
	fs.StringVar(&o.logLevel, "L", "info", "log level: debug, info, warn, error, fatal")
	fs.StringVar(&o.logFile, "log-file", "", "log file path (default: stderr)")
	fs.BoolVar(&o.printVersion, "V", false, "print version information and exit")
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("pd-lite", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addFlags(fs, &o)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pd-lite: unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return 2
	}
	if o.printVersion {
		fmt.Fprintln(stdout, version.Info())
		return 0
	}
	lg, err := log.New(log.Config{Level: o.logLevel, File: o.logFile})
	if err != nil {
		fmt.Fprintf(stderr, "pd-lite: %v\n", err)
		return 2
	}
	defer func() { _ = lg.Sync() }()
	grpclog.SetLoggerV2(log.GRPCLogger(lg))
	version.LogInfo(lg)
	return serve(o, lg, stderr)
}

func serve(o options, lg *zap.Logger, stderr io.Writer) int {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)

	cfg := pdlite.Config{
		Name: o.name, DataDir: o.dataDir,
		ClientURLs: config.SplitList(o.clientURLs), PeerURLs: config.SplitList(o.peerURLs),
		Logger: lg, Debug: o.logLevel == "debug",
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { // a signal during start aborts it
		select {
		case <-sig:
			cancel()
		case <-ctx.Done():
		}
	}()
	srv, err := pdlite.Start(ctx, cfg)
	started := ctx.Err() == nil
	cancel()
	if err != nil {
		if o.logFile != "" { // otherwise the log line would repeat the message below
			lg.Error("start pd-lite failed", zap.Error(err))
		}
		fmt.Fprintf(stderr, "pd-lite: %v\n", err)
		return 1
	}
	if !started {
		_ = srv.Close()
		return 0
	}
	fmt.Fprintf(stderr, "pd-lite serving at %s (cluster id %d)\n", srv.ClientURL(), srv.ClusterID())
	code := 0
	select {
	case s := <-sig:
		lg.Info("got signal, closing pd-lite", zap.Stringer("signal", s))
	case err := <-srv.Err():
		lg.Error("etcd failed", zap.Error(err))
		fmt.Fprintf(stderr, "pd-lite: %v\n", err)
		code = 1
	}
	if err := srv.Close(); err != nil {
		lg.Warn("close pd-lite", zap.Error(err))
	}
	lg.Info("pd-lite exit")
	return code
}
