package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
)

type options struct {
	binDir  string
	host    string
	port    int
	user    string
	rows    int
	writers int
	perTxn  int
	modes   []string
	loader  []float64 // pkg/loader alone, rows/s per phase (merge off)
	ceiling float64   // MariaDB alone: transactions of 20 single-row inserts, rows/s
	timeout time.Duration
	workDir string
}

func main() {
	pd.SetClientLogger(zap.NewNop())
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "drainerbench:", err)
		os.Exit(2)
	}
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "drainerbench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (*options, error) {
	fs := flag.NewFlagSet("drainerbench", flag.ContinueOnError)
	o := &options{}
	var modes, loaderRates string
	fs.StringVar(&o.binDir, "bin-dir", "bin", "directory holding pd-lite, pump, tidb-lite and drainer")
	fs.StringVar(&o.host, "host", "127.0.0.1", "MariaDB host")
	fs.IntVar(&o.port, "port", 3306, "MariaDB port")
	fs.StringVar(&o.user, "user", "root", "MariaDB user (no password)")
	fs.IntVar(&o.rows, "rows", 100000, "rows per phase")
	fs.IntVar(&o.writers, "writers", 16, "concurrent binlog writers (TiDB sessions)")
	fs.IntVar(&o.perTxn, "txn-dmls", 10, "DMLs per transaction")
	fs.StringVar(&modes, "modes", "backlog,live", "backlog (drainer stopped while a phase is written) and/or live")
	fs.StringVar(&loaderRates, "loader", "", "pkg/loader alone on this machine: insert,update,delete rows/s (loaderbench, merge off)")
	fs.Float64Var(&o.ceiling, "ceiling", 0, "MariaDB's single-row ceiling on this machine, rows/s (loaderbench's ceiling line)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Minute, "longest wait for a phase")
	fs.StringVar(&o.workDir, "dir", "", "work directory (default: a temporary directory)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for _, m := range strings.Split(modes, ",") {
		if m != "backlog" && m != "live" {
			return nil, fmt.Errorf("-modes: %q is neither backlog nor live", m)
		}
		o.modes = append(o.modes, m)
	}
	if loaderRates != "" {
		for _, f := range strings.Split(loaderRates, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				return nil, fmt.Errorf("-loader: %w", err)
			}
			o.loader = append(o.loader, v)
		}
		if len(o.loader) != 3 {
			return nil, fmt.Errorf("-loader needs 3 rates (insert,update,delete), not %d", len(o.loader))
		}
	}
	if o.rows < o.writers*o.perTxn || o.writers < 1 || o.perTxn < 1 {
		return nil, fmt.Errorf("-rows %d is too small for %d writers of %d DMLs", o.rows, o.writers, o.perTxn)
	}
	return o, nil
}

func run(ctx context.Context, o *options) error {
	dir := o.workDir
	if dir == "" {
		d, err := os.MkdirTemp("", "drainerbench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	fmt.Printf("drainer end to end: tool -> pump -> drainer -> MariaDB %s:%d, %d rows per phase, %d DMLs per txn, "+
		"%d writers; drainer mysql sink with the default worker-count 16 and txn-batch 20 (loaderbench's settings)\n",
		o.host, o.port, o.rows, o.perTxn, o.writers)
	fmt.Println("note: a drainer forces safe mode during its first 5 minutes (INSERT as REPLACE, UPDATE as DELETE+REPLACE), " +
		"so every phase here runs in safe mode, and so does loaderbench in make bench (-safe-mode)")
	if o.ceiling > 0 {
		fmt.Printf("ceiling (loaderbench): transactions of 20 single-row inserts: %.0f rows/s\n", o.ceiling)
	}
	fmt.Printf("\n| mode | phase | downstream rows/s | pkg/loader alone rows/s | ratio to pkg/loader (target >= 80%%) | ratio to ceiling | written rows/s | drainer start to done |\n|---|---|---|---|---|---|---|---|\n")
	for _, m := range o.modes {
		if err := runMode(ctx, o, m, filepath.Join(dir, m)); err != nil {
			return fmt.Errorf("%s: %w", m, err)
		}
	}
	return nil
}

func runMode(ctx context.Context, o *options, mode, dir string) error {
	c, err := startCluster(ctx, o, dir)
	defer c.stop()
	if err != nil {
		return err
	}
	w, err := buildWorkload(c.table, o.rows, o.writers, o.perTxn)
	if err != nil {
		return err
	}
	for p := range phaseNames {
		res, err := runPhase(ctx, o, mode, c, w, p)
		if err != nil {
			return err
		}
		fmt.Println(row(o, mode, p, res))
	}
	return nil
}

func row(o *options, mode string, p int, r phaseResult) string {
	loader, ratio := "-", "-"
	if o.loader != nil {
		loader = fmt.Sprintf("%.0f", o.loader[p])
		ratio = fmt.Sprintf("%.0f%%", 100*r.rate()/o.loader[p])
	}
	toCeiling := "-"
	if o.ceiling > 0 {
		toCeiling = fmt.Sprintf("%.0f%%", 100*r.rate()/o.ceiling)
	}
	since := "-"
	if mode == "backlog" {
		since = r.fromStart.Round(time.Millisecond).String()
	}
	return fmt.Sprintf("| %s | %s | %.0f | %s | %s | %s | %.0f | %s |", mode, phaseNames[p], r.rate(), loader, ratio,
		toCeiling, float64(r.rows)/r.write.Seconds(), since)
}
