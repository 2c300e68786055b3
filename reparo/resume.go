package reparo

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
)

const (
	// checkpointInterval bounds how often applied progress is saved.
	checkpointInterval = time.Second
	// reserveWindow is how far (in TSO units: 10 s of commit time) the
	// checkpoint's SafeTS runs ahead of what was handed to the destination,
	// so that it is written once per window, not once per binlog.
	reserveWindow = int64(10*time.Second/time.Millisecond) << physicalShiftBits
)

// resumer keeps the checkpoint of a run: where a resumed run starts, which
// stretch it replays in safe mode, and what is saved as the run goes.
type resumer struct {
	store checkpointStore // nil: no checkpoint
	lg    *zap.Logger
	safe  safeModeSwitch // nil: the destination has no safe mode
	// forcedSafe is the configured safe-mode (never switched off).
	forcedSafe bool

	mu        sync.Mutex
	cp        Checkpoint
	saved     time.Time
	dirty     bool
	safeUntil int64 // safe mode until a binlog above it is applied
	err       error // first failed save

	// reserved is the SafeTS saved, read and written by reserve only
	// (the goroutine handing binlogs over).
	reserved int64
}

// load reads the checkpoint of job and returns the commit ts up to which
// binlogs are done (0: start from the beginning of the range).
func (r *resumer) load(ctx context.Context, job string, start, stop int64) (skipTS int64, resumed bool, err error) {
	r.cp = Checkpoint{Job: job, StartTSO: start, StopTSO: stop}
	if r.store == nil {
		return 0, false, nil
	}
	cp, ok, err := r.store.Load(ctx, job)
	if err != nil || !ok {
		return 0, false, err
	}
	if cp.StartTSO != start || cp.StopTSO != stop {
		r.lg.Info("checkpoint belongs to another time range, starting over",
			zap.Int64("checkpointStartTSO", cp.StartTSO), zap.Int64("checkpointStopTSO", cp.StopTSO))
		return 0, false, nil
	}
	r.cp = cp
	r.lg.Warn("resuming from checkpoint (run with -resume=false to start over)", zap.String("job", job),
		zap.Int64("commitTS", cp.CommitTS), zap.Int64("safeTS", cp.SafeTS))
	if cp.SafeTS > cp.CommitTS && r.safe != nil {
		r.safeUntil = cp.SafeTS
		r.safe.SetSafeMode(true)
		r.lg.Info("safe mode on for the replayed stretch", zap.Int64("untilTS", cp.SafeTS))
	}
	return cp.CommitTS, true, nil
}

// reserve is called before a binlog is handed to an asynchronous
// destination: SafeTS must cover it before it can be applied.
func (r *resumer) reserve(ctx context.Context, ts int64) error {
	if r.store == nil || r.safe == nil {
		return nil
	}
	if ts <= r.reserved {
		// Covered: no lock, which a save of the applied progress holds
		// for milliseconds every second.
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if ts > r.cp.SafeTS {
		r.cp.SafeTS = ts + reserveWindow
		if err := r.saveLocked(ctx); err != nil {
			return err
		}
	}
	r.reserved = r.cp.SafeTS
	return nil
}

// applied records a binlog done, saving at most once per interval, and
// switches safe mode off once the replayed stretch is applied.
func (r *resumer) applied(ctx context.Context, ts int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.safe != nil && r.safeUntil > 0 && ts >= r.safeUntil {
		r.safeUntil = 0
		if !r.forcedSafe {
			r.safe.SetSafeMode(false)
			r.lg.Info("replayed stretch applied, safe mode off", zap.Int64("commitTS", ts))
		}
	}
	if r.store == nil {
		return
	}
	r.cp.CommitTS = ts
	r.dirty = true
	if time.Since(r.saved) < checkpointInterval {
		return
	}
	if err := r.saveLocked(ctx); err != nil && r.err == nil {
		r.err = err
		r.lg.Warn("save checkpoint failed", zap.Error(err))
	}
}

// flush saves what is not saved yet and returns the first save error.
func (r *resumer) flush(ctx context.Context) error {
	if r.store == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dirty {
		if err := r.saveLocked(ctx); err != nil {
			return err
		}
	}
	return r.err
}

func (r *resumer) saveLocked(ctx context.Context) error {
	if err := r.store.Save(ctx, r.cp); err != nil {
		return err
	}
	r.saved = time.Now()
	r.dirty = false
	return nil
}
