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

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/log"
	"github.com/openbinlog/tidb-binlog/pkg/version"
	"github.com/openbinlog/tidb-binlog/reparo"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailed  = 1 // the run could not complete
	exitConfig  = 2 // bad flags or configuration
	exitDamaged = 3 // the run completed, but damaged records were skipped
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	// The first signal stops the restore after saving the checkpoint; a
	// second one kills the process.
	go func() {
		<-ctx.Done()
		stop()
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr)))
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// run parses args, restores and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, tty bool) int {
	cfg := reparo.DefaultConfig()
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
	lg.Info("reparo config", zap.Stringer("config", cfg))
	r, err := reparo.New(cfg, reparo.Deps{Logger: lg, Stdout: stdout, Stderr: stderr, StderrIsTTY: tty})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitConfig
	}
	st, err := r.Run(ctx)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "reparo: interrupted; run the same command again to resume from the checkpoint")
		}
		fmt.Fprintf(stderr, "reparo: %v\n", err)
		return exitFailed
	}
	if st.Corrupt > 0 {
		fmt.Fprintf(stderr, "reparo: %d damaged binlog records were skipped (see the log for their files and offsets)\n", st.Corrupt)
		return exitDamaged
	}
	return exitOK
}
