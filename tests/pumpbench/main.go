package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
)

type options struct {
	binDir         string
	sizes, writers []int
	duration       time.Duration
	runs           int
	workDir        string
	client         string
	syncLog        bool
	cpuProfile     string
	calibrate      bool
	syncCommit     bool
	backlog        bool
	rate           float64 // binlogs/s offered by all writers together; 0: as fast as they can
}

func main() {
	pd.SetClientLogger(zap.NewNop())
	// TiDB's GC tuner (tidb_enable_gogc_tuner, on by default) runs with a
	// GOGC of up to 500 while its heap is small against the memory limit,
	// as the load generator's is; GOGC in the environment overrides this.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(500)
	}
	opts, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "pumpbench:", err)
		os.Exit(2)
	}
	if opts.cpuProfile != "" {
		stop, err := startCPUProfile(opts.cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "pumpbench:", err)
			os.Exit(1)
		}
		defer stop()
	}
	if err := run(context.Background(), opts); err != nil {
		fmt.Fprintln(os.Stderr, "pumpbench:", err)
		os.Exit(1) //nolint:gocritic // the profile of a failed run is not needed
	}
}

func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func parseFlags(args []string) (*options, error) {
	fs := flag.NewFlagSet("pumpbench", flag.ContinueOnError)
	o := &options{}
	var sizes, writers string
	fs.StringVar(&o.binDir, "bin-dir", "bin", "directory holding the pd-lite and pump binaries")
	fs.StringVar(&sizes, "sizes", "1024,10240,102400", "payload sizes in bytes")
	fs.StringVar(&writers, "writers", "1,16,128", "concurrent writers")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "duration of one run of a cell")
	fs.IntVar(&o.runs, "runs", 1, "runs per cell; the median run is reported")
	fs.StringVar(&o.workDir, "dir", "", "work directory (default: a temporary directory)")
	fs.StringVar(&o.client, "client", "grpc", "writer: grpc (one raw connection, like TiDB) or pumpclient (pkg/pumpclient)")
	fs.BoolVar(&o.syncLog, "sync-log", true, "pump [storage] sync-log")
	fs.BoolVar(&o.syncCommit, "sync-commit", false, "wait for the commit binlog before the next transaction (TiDB does not)")
	fs.BoolVar(&o.backlog, "backlog", false, "after the writes of a cell, pull everything again from 0 and report commits/s and pump CPU per commit")
	fs.Float64Var(&o.rate, "rate", 0, "offer this many binlogs/s in all (each writer paces its transactions); 0 writes as fast as the writers can")
	fs.BoolVar(&o.calibrate, "calibrate", true, "first measure the disk, a gRPC round trip and a TSO request")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the load generator to this file")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	var err error
	if o.sizes, err = parseInts(sizes); err != nil {
		return nil, fmt.Errorf("-sizes: %w", err)
	}
	if o.writers, err = parseInts(writers); err != nil {
		return nil, fmt.Errorf("-writers: %w", err)
	}
	if o.rate < 0 {
		return nil, fmt.Errorf("-rate must not be negative, not %v", o.rate)
	}
	if o.client != "grpc" && o.client != "pumpclient" {
		return nil, fmt.Errorf("-client must be grpc or pumpclient, not %q", o.client)
	}
	return o, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func run(ctx context.Context, o *options) error {
	dir := o.workDir
	if dir == "" {
		d, err := os.MkdirTemp("", "pumpbench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	fmt.Printf("pump write benchmark: sync-log=%v, client=%s, sync-commit=%v, %s x %d run(s) per cell%s\n",
		o.syncLog, o.client, o.syncCommit, o.duration, o.runs, rateNote(o.rate))
	if o.calibrate {
		c, err := calibrate(ctx, o, dir)
		if err != nil {
			return fmt.Errorf("calibrate: %w", err)
		}
		fmt.Println(c)
	}
	fmt.Println(header())
	for _, size := range o.sizes {
		for _, w := range o.writers {
			var results []result
			for r := 0; r < o.runs; r++ {
				cellDir := filepath.Join(dir, fmt.Sprintf("s%d-c%d-r%d", size, w, r))
				res, err := runCell(ctx, o, cellDir, size, w)
				if err != nil {
					return fmt.Errorf("cell size=%d writers=%d: %w", size, w, err)
				}
				results = append(results, res)
				_ = os.RemoveAll(cellDir)
			}
			fmt.Println(median(results).row())
		}
	}
	return nil
}

func rateNote(rate float64) string {
	if rate == 0 {
		return ""
	}
	return fmt.Sprintf(", offered load %.0f binlogs/s", rate)
}
