package reparo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// TableFilter decides which tables are restored (the drainer's
// replicate-do/ignore rules).
type TableFilter interface {
	SkipSchemaAndTable(schema, table string) bool
}

// Deps are what a Reparo uses besides its configuration.
type Deps struct {
	// Logger receives the run's log (nil: none).
	Logger *zap.Logger
	// Stdout receives the print and undo output (nil: os.Stdout).
	Stdout io.Writer
	// Stderr receives the live progress line when StderrIsTTY (nil:
	// os.Stderr).
	Stderr      io.Writer
	StderrIsTTY bool
	// Registerer receives the loader's metrics (nil: none).
	Registerer prometheus.Registerer
	// DB, when set, is the destination database instead of dest-db.
	DB *sql.DB
	// Filter, when set, replaces the filter built from the configuration.
	Filter TableFilter
	// OnApplied, when set, is told of every binlog done (after the
	// checkpoint and progress saw it).
	OnApplied func(ts int64)
	// Location is the drainer host's time zone, in which the file sink
	// wrote TIMESTAMP values (nil: time.Local).
	Location *time.Location
}

// Reparo is one restore run.
type Reparo struct {
	cfg    *Config
	deps   Deps
	lg     *zap.Logger
	filter TableFilter
	prog   *progress
	res    *resumer
	mem    *MemoryDest
	loc    *time.Location
	ownDB  *sql.DB         // opened by the run, closed at its end
	ctx    context.Context // the run's context, for checkpoint saves
}

// New checks cfg and prepares a run; nothing is read before Run.
func New(cfg *Config, deps Deps) (*Reparo, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Logger == nil {
		deps.Logger = zap.NewNop()
	}
	if deps.Stdout == nil {
		deps.Stdout = os.Stdout
	}
	if deps.Stderr == nil {
		deps.Stderr = os.Stderr
	}
	r := &Reparo{cfg: cfg, deps: deps, lg: deps.Logger.With(zap.String("component", "reparo")), loc: deps.Location}
	if r.loc == nil {
		r.loc = time.Local
	}
	r.filter = deps.Filter
	if r.filter == nil {
		f, err := newTableFilter(cfg)
		if err != nil {
			return nil, err
		}
		r.filter = f
	}
	r.prog = newProgress(deps.Stderr, deps.StderrIsTTY, r.lg, cfg.ProgressInterval.Duration)
	return r, nil
}

// Memory returns the binlogs kept by dest-type memory (nil otherwise, or
// before Run).
func (r *Reparo) Memory() *MemoryDest { return r.mem }

// Run restores the selected range and returns the run's counters. A
// damaged record is reported and skipped (counted in Stats.Corrupt); any
// other failure ends the run with an error. When ctx is cancelled the
// applied progress is saved in the checkpoint and ctx's error returned.
func (r *Reparo) Run(ctx context.Context) (st Stats, err error) {
	progCtx, stopProg := context.WithCancel(ctx)
	progDone := make(chan struct{})
	progStarted := false
	defer func() {
		stopProg()
		if progStarted {
			<-progDone
		}
		if r.ownDB != nil {
			_ = r.ownDB.Close()
		}
		st = r.prog.summary(err)
	}()
	r.ctx = context.WithoutCancel(ctx)
	src, err := openSource(r.cfg.DataDir, r.cfg.StartTSO, r.cfg.StopTSO, r.lg, r.reportDamage)
	if err != nil {
		return Stats{}, err
	}
	defer src.Close()
	r.prog.setTotals(len(src.files), src.total)
	dst, err := r.openDest(ctx)
	if err != nil {
		return Stats{}, err
	}
	defer dst.Close()
	skipTS, err := r.loadCheckpoint(ctx)
	if err != nil {
		return Stats{}, err
	}
	progStarted = true
	go func() {
		defer close(progDone)
		r.prog.run(progCtx)
	}()
	if err := r.copy(ctx, src, dst, skipTS); err != nil {
		_ = dst.Close()
		return Stats{}, errors.Join(err, r.res.flush(r.ctx))
	}
	if err := dst.Finish(ctx); err != nil {
		return Stats{}, errors.Join(err, r.res.flush(r.ctx))
	}
	return Stats{}, r.res.flush(r.ctx)
}

// loadCheckpoint finds where a resumed run starts.
func (r *Reparo) loadCheckpoint(ctx context.Context) (int64, error) {
	job, err := filepath.Abs(r.cfg.DataDir)
	if err != nil {
		return 0, fmt.Errorf("checkpoint job name: %w", err)
	}
	skipTS, resumed, err := r.res.load(ctx, job, r.cfg.StartTSO, r.cfg.StopTSO)
	if err != nil {
		return 0, err
	}
	if resumed {
		r.prog.setResumed()
	}
	return skipTS, nil
}

// applied is the destinations' done callback.
func (r *Reparo) applied(ts int64, rows int) {
	r.prog.applied(ts, rows)
	r.res.applied(r.ctx, ts)
	if ce := r.lg.Check(zap.DebugLevel, "binlog applied"); ce != nil { // no fields built for nothing
		ce.Write(zap.Int64("commitTS", ts), zap.Time("time", TSOToTime(ts)))
	}
	if r.deps.OnApplied != nil {
		r.deps.OnApplied(ts)
	}
}

// reportDamage logs a damaged record that is skipped.
func (r *Reparo) reportDamage(err error) {
	r.prog.corrupt()
	r.lg.Error("damaged binlog record skipped", zap.Error(err))
}

// filterBinlog drops the events of filtered tables; keep is false when
// nothing of b is left.
func filterBinlog(f TableFilter, b *filepb.Binlog) (keep bool, err error) {
	switch b.GetTp() {
	case filepb.BinlogType_DDL:
		ddl, err := ParseDDL(string(b.GetDdlQuery()))
		if err != nil {
			return false, err
		}
		return !f.SkipSchemaAndTable(ddl.Schema, ddl.Table), nil
	case filepb.BinlogType_DML:
		evs := b.GetDmlData().GetEvents()
		for i, ev := range evs {
			if f.SkipSchemaAndTable(ev.GetSchemaName(), ev.GetTableName()) {
				// Copied only when something is left out (most binlogs
				// keep every event).
				b.DmlData.Events = keptEvents(f, evs, i)
				return len(b.DmlData.Events) > 0, nil
			}
		}
		return len(evs) > 0, nil
	}
	return false, fmt.Errorf("%w: binlog type %d at commit ts %d", ErrUnknownType, b.GetTp(), b.GetCommitTs())
}

// keptEvents returns the events not filtered out, the first skipped one
// being evs[skip].
func keptEvents(f TableFilter, evs []*filepb.Event, skip int) []*filepb.Event {
	kept := append(make([]*filepb.Event, 0, len(evs)-1), evs[:skip]...)
	for _, ev := range evs[skip+1:] {
		if !f.SkipSchemaAndTable(ev.GetSchemaName(), ev.GetTableName()) {
			kept = append(kept, ev)
		}
	}
	return kept
}
