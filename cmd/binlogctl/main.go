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

	"github.com/openbinlog/tidb-binlog/binlogctl"
	"github.com/openbinlog/tidb-binlog/pkg/log"
	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"go.uber.org/zap"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes binlogctl with args: results go to stdout, diagnostics and
// errors (as log lines, like the original's "fail to execute command") to
// stderr. It returns the exit code: 0 on success (and -h), 2 for
// bad flags, 1 when the command failed.
func run(args []string, stdout, stderr io.Writer) int {
	cfg := binlogctl.NewConfig()
	if err := cfg.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "parse cmd flags: %v\n", err)
		return 2
	}
	lg, err := log.New(log.Config{Level: "warn"})
	if err != nil {
		fmt.Fprintf(stderr, "init logger: %v\n", err)
		return 1
	}
	defer func() { _ = lg.Sync() }()
	pd.SetClientLogger(log.Library(lg, "pd"))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := binlogctl.Run(ctx, cfg, stdout, lg); err != nil {
		lg.Error("fail to execute command", zap.String("command", cfg.Command), zap.Error(err))
		return 1
	}
	return 0
}
