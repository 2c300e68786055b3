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

	"go.uber.org/zap"
	"google.golang.org/grpc/grpclog"

	"github.com/openbinlog/tidb-binlog/pkg/config"
	"github.com/openbinlog/tidb-binlog/pkg/log"
	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/pkg/tidblite"
	"github.com/openbinlog/tidb-binlog/pkg/version"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line flags (named as tidb-server's).
type options struct {
	host, port, statusHost, statusPort, advertise string
	path                                          string
	enableBinlog, ignoreError                     bool
	binlogSocket, strategy                        string
	writeTimeout, lockTTL                         time.Duration
	crashNextTxn                                  string
	logLevel, logFile                             string
	sslCA, sslCert, sslKey, verifyCN              string
	printVersion                                  bool
}

func addFlags(fs *flag.FlagSet, o *options) {
	fs.StringVar(&o.host, "host", "0.0.0.0", "MySQL protocol listen host")
	fs.StringVar(&o.port, "P", "4000", "MySQL protocol port")
	fs.StringVar(&o.statusHost, "status-host", "0.0.0.0", "status API listen host")
	fs.StringVar(&o.statusPort, "status", "10080", "status API port")
	fs.StringVar(&o.advertise, "advertise-address", "", "host registered in the topology (default: the listen host, or 127.0.0.1)")
	fs.StringVar(&o.path, "path", "127.0.0.1:2379", "PD addresses, comma-separated; empty runs standalone (no binlog)")
	fs.BoolVar(&o.enableBinlog, "enable-binlog", false, "write binlogs to the pumps registered in PD")
	fs.StringVar(&o.binlogSocket, "binlog-socket", "", "write binlogs to the local pump on this unix socket")
	fs.StringVar(&o.strategy, "binlog-strategy", tidblite.DefaultStrategy, "pump selection: range or hash")
	fs.DurationVar(&o.writeTimeout, "binlog-write-timeout", tidblite.DefaultBinlogWriteTimeout, "prewrite binlog write timeout")
	fs.BoolVar(&o.ignoreError, "binlog-ignore-error", false, "on a failed binlog write, commit anyway and stop writing binlogs")
	fs.StringVar(&o.crashNextTxn, "crash-next-txn", "", "fault switch: before-commit or after-commit makes the first transaction die after its prewrite binlog")
	fs.DurationVar(&o.lockTTL, "crash-lock-ttl", tidblite.DefaultLockTTL, "how long the lock of a crashed transaction stays live")
	fs.StringVar(&o.sslCA, "cluster-ssl-ca", "", "CA certificate of the cluster TLS (PD, pumps, status API); empty: no TLS")
	fs.StringVar(&o.sslCert, "cluster-ssl-cert", "", "certificate of the cluster TLS (also served on the status API)")
	fs.StringVar(&o.sslKey, "cluster-ssl-key", "", "private key of -cluster-ssl-cert")
	fs.StringVar(&o.verifyCN, "cluster-verify-cn", "", "comma-separated common names the status API accepts from clients; empty: any of the CA")
	fs.StringVar(&o.logLevel, "L", "info", "log level: debug, info, warn, error, fatal")
	fs.StringVar(&o.logFile, "log-file", "", "log file path (default: stderr)")
	fs.BoolVar(&o.printVersion, "V", false, "print version information and exit")
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("tidb-lite", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addFlags(fs, &o)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tidb-lite: unexpected arguments: %s\n", strings.Join(fs.Args(), " "))
		return 2
	}
	if o.printVersion {
		fmt.Fprintln(stdout, version.Info())
		return 0
	}
	lg, err := log.New(log.Config{Level: o.logLevel, File: o.logFile})
	if err != nil {
		fmt.Fprintf(stderr, "tidb-lite: %v\n", err)
		return 2
	}
	defer func() { _ = lg.Sync() }()
	grpclog.SetLoggerV2(log.GRPCLogger(lg))
	pd.SetClientLogger(log.Library(lg, "pdClient"))
	version.LogInfo(lg)
	return serve(serverConfig(o, lg), lg, stderr)
}

// notPersisted is said loudly at every start: rows do not survive a restart.
const notPersisted = "tidb-lite: WARNING: table rows live in memory only and are lost when tidb-lite stops " +
	"(the schema and the DDL history are kept in PD); after a restart start both the upstream and the " +
	"downstream from empty tables, or the tables differ"

// serverConfig maps the flags to the server configuration.
func serverConfig(o options, lg *zap.Logger) tidblite.Config {
	cfg := tidblite.DefaultConfig()
	cfg.Addr = net.JoinHostPort(o.host, o.port)
	cfg.StatusAddr = net.JoinHostPort(o.statusHost, o.statusPort)
	cfg.AdvertiseHost = o.advertise
	cfg.PDURLs = config.SplitList(o.path)
	cfg.EnableBinlog = o.enableBinlog
	cfg.BinlogSocket = o.binlogSocket
	cfg.BinlogStrategy = o.strategy
	cfg.BinlogWriteTimeout = o.writeTimeout
	cfg.BinlogIgnoreError = o.ignoreError
	cfg.CrashNextTxn = o.crashNextTxn
	cfg.LockTTL = o.lockTTL
	cfg.Security = security.Config{SSLCA: o.sslCA, SSLCert: o.sslCert, SSLKey: o.sslKey,
		CertAllowedCN: config.SplitList(o.verifyCN)}
	cfg.Logger = lg
	return cfg
}

func serve(cfg tidblite.Config, lg *zap.Logger, stderr io.Writer) int {
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { // a signal during start aborts it
		select {
		case <-sig:
			cancel()
		case <-ctx.Done():
		}
	}()
	srv, err := tidblite.Start(ctx, cfg)
	started := ctx.Err() == nil
	cancel()
	if err != nil {
		lg.Error("start tidb-lite failed", zap.Error(err))
		fmt.Fprintf(stderr, "tidb-lite: %v\n", err)
		return 1
	}
	if !started {
		_ = srv.Close()
		return 0
	}
	fmt.Fprintf(stderr, "tidb-lite serving MySQL at %s, status at %s\n", srv.Addr(), srv.StatusURL())
	fmt.Fprintln(stderr, notPersisted)
	lg.Warn(notPersisted)
	s := <-sig
	lg.Info("got signal, closing tidb-lite", zap.Stringer("signal", s))
	if err := srv.Close(); err != nil {
		lg.Warn("close tidb-lite", zap.Error(err))
	}
	lg.Info("tidb-lite exit")
	return 0
}
