package ratelog

import (
	"sync"
	"time"

	"go.uber.org/zap"
)

// Failures tracks one kind of repeated failure. Its methods are safe for
// concurrent use.
type Failures struct {
	lg    *zap.Logger
	msg   string
	every time.Duration
	now   func() time.Time

	mu      sync.Mutex
	failing bool
	count   int       // failures since the run began
	quiet   int       // failures not logged since the last line
	since   time.Time // start of the run
	logged  time.Time // last line logged
}

// New returns a tracker that logs msg at error level. every is the minimum
// period between two reminders while the failures go on.
func New(lg *zap.Logger, msg string, every time.Duration) *Failures {
	if lg == nil {
		lg = zap.NewNop()
	}
	return &Failures{lg: lg, msg: msg, every: every, now: time.Now}
}

// Fail records a failure. The first of a run is logged with err and
// fields; later ones only as a reminder once per period, with the number of
// failures since the last line and the latest error.
func (f *Failures) Fail(err error, fields ...zap.Field) {
	f.mu.Lock()
	now := f.now()
	f.count++
	if !f.failing {
		f.failing, f.since, f.logged, f.quiet = true, now, now, 0
		f.mu.Unlock()
		f.lg.Error(f.msg, append(fields, zap.Error(err))...)
		return
	}
	f.quiet++
	if now.Sub(f.logged) < f.every {
		f.mu.Unlock()
		return
	}
	quiet, since := f.quiet, f.since
	f.logged, f.quiet = now, 0
	f.mu.Unlock()
	f.lg.Error(f.msg+" (still failing)", append(fields, zap.Int("failuresSinceLastLog", quiet),
		zap.Duration("failingFor", now.Sub(since)), zap.Error(err))...)
}

// OK records a success; it logs the end of a run of failures.
func (f *Failures) OK() {
	f.mu.Lock()
	if !f.failing {
		f.mu.Unlock()
		return
	}
	count, since := f.count, f.since
	f.failing, f.count, f.quiet = false, 0, 0
	now := f.now()
	f.mu.Unlock()
	f.lg.Info(f.msg+": recovered", zap.Int("failures", count), zap.Duration("failedFor", now.Sub(since)))
}
