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
	"github.com/openbinlog/tidb-binlog/pkg/security"
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

// options are the command-line flags and the config file (kebab-case keys;
// explicit flags win over the file).
type options struct {
	ClientURLs string          `toml:"client-urls"`
	PeerURLs   string          `toml:"peer-urls"`
	DataDir    string          `toml:"data-dir"`
	Name       string          `toml:"name"`
	Security   security.Config `toml:"security"`

	configFile        string
	logLevel, logFile string
	printVersion      bool
}

func addFlags(fs *flag.FlagSet, o *options) {
	def := pdlite.DefaultConfig()
	fs.StringVar(&o.configFile, "config", "", "TOML config file (flags given on the command line win)")
	fs.StringVar(&o.ClientURLs, "client-urls", strings.Join(def.ClientURLs, ","), "URLs serving etcd and PD clients, comma-separated")
	fs.StringVar(&o.PeerURLs, "peer-urls", strings.Join(def.PeerURLs, ","), "etcd peer URLs, comma-separated")
	fs.StringVar(&o.DataDir, "data-dir", def.DataDir, "data directory")
	fs.StringVar(&o.Name, "name", def.Name, "member name")
	fs.StringVar(&o.Security.SSLCA, "cacert", "", "path of file that contains list of trusted TLS CAs")
	fs.StringVar(&o.Security.SSLCert, "cert", "", "path of file that contains X509 certificate in PEM format")
	fs.StringVar(&o.Security.SSLKey, "key", "", "path of file that contains X509 key in PEM format")
	fs.StringVar(&o.logLevel, "L", "info", "log level: debug, info, warn, error, fatal")
	fs.StringVar(&o.logFile, "log-file", "", "log file path (default: stderr)")
	fs.BoolVar(&o.printVersion, "V", false, "print version information and exit")
}

// load parses the flags and the config file they name.
func load(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("pd-lite", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addFlags(fs, &o)
	err := config.Load(fs, args, &o.configFile, &o, "")
	return o, err
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := load(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "pd-lite: %v\n", err)
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
		Name: o.Name, DataDir: o.DataDir,
		ClientURLs: config.SplitList(o.ClientURLs), PeerURLs: config.SplitList(o.PeerURLs),
		Security: o.Security, Logger: lg, Debug: o.logLevel == "debug",
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
