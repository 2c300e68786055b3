package reparo

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"go.uber.org/zap"
)

// ttyRefresh is the refresh period of the live progress line.
const ttyRefresh = 250 * time.Millisecond

// Stats are the counters of a run.
type Stats struct {
	TotalFiles int
	TotalBytes int64
	FilesDone  int   // files read to their end
	BytesDone  int64 // bytes of the selected files read
	Binlogs    int64 // binlogs applied (printed, kept)
	Rows       int64 // row changes applied
	Corrupt    int64 // damaged records skipped
	Resumed    bool  // the run continued from a checkpoint
	LastTS     int64 // commit ts of the last binlog applied
	Elapsed    time.Duration
}

// progress keeps the counters and reports them on stderr: a live line on a
// terminal, periodic log lines otherwise.
type progress struct {
	mu       sync.Mutex
	st       Stats
	w        io.Writer
	tty      bool
	lg       *zap.Logger
	interval time.Duration
	now      func() time.Time
	begin    time.Time
	drawn    bool // a live line is on screen
}

func newProgress(w io.Writer, tty bool, lg *zap.Logger, interval time.Duration) *progress {
	return &progress{w: w, tty: tty, lg: lg, interval: interval, now: time.Now, begin: time.Now()}
}

func (p *progress) setTotals(files int, bytes int64) {
	p.mu.Lock()
	p.st.TotalFiles, p.st.TotalBytes = files, bytes
	p.mu.Unlock()
}

// read records the reader's position.
func (p *progress) read(filesDone int, bytesDone int64) {
	p.mu.Lock()
	p.st.FilesDone, p.st.BytesDone = filesDone, bytesDone
	p.mu.Unlock()
}

// applied records one binlog done.
func (p *progress) applied(ts int64, rows int) {
	p.mu.Lock()
	p.st.Binlogs++
	p.st.Rows += int64(rows)
	p.st.LastTS = ts
	p.mu.Unlock()
}

func (p *progress) corrupt() {
	p.mu.Lock()
	p.st.Corrupt++
	p.mu.Unlock()
}

func (p *progress) setResumed() {
	p.mu.Lock()
	p.st.Resumed = true
	p.mu.Unlock()
}

// stats returns a snapshot.
func (p *progress) stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.st
	st.Elapsed = p.now().Sub(p.begin)
	return st
}

// run reports until ctx is done.
func (p *progress) run(ctx context.Context) {
	period := p.interval
	if p.tty {
		period = ttyRefresh
	}
	if period <= 0 {
		return
	}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.report()
		}
	}
}

// report draws the live line or logs one progress line.
func (p *progress) report() {
	st := p.stats()
	if p.tty {
		p.mu.Lock()
		fmt.Fprintf(p.w, "\r\x1b[K%s", st.Line())
		p.drawn = true
		p.mu.Unlock()
		return
	}
	p.lg.Info("restore progress", st.fields()...)
}

// summary ends the live line and logs (and, on a terminal, prints) the
// totals.
func (p *progress) summary(err error) Stats {
	st := p.stats()
	p.mu.Lock()
	if p.tty {
		if p.drawn {
			fmt.Fprint(p.w, "\r\x1b[K")
		}
		fmt.Fprintf(p.w, "%s\n", st.Summary())
	}
	p.mu.Unlock()
	fields := st.fields()
	if err != nil {
		p.lg.Error("restore failed", append(fields, zap.Error(err))...)
	} else {
		p.lg.Info("restore finished", fields...)
	}
	return st
}

// rate returns per-second rates of rows and bytes, and the ETA (0 when not
// known).
func (st Stats) rate() (rowsPerSec, bytesPerSec float64, eta time.Duration) {
	secs := st.Elapsed.Seconds()
	if secs <= 0 {
		return 0, 0, 0
	}
	rowsPerSec = float64(st.Rows) / secs
	bytesPerSec = float64(st.BytesDone) / secs
	if bytesPerSec > 0 && st.TotalBytes > st.BytesDone {
		eta = time.Duration(float64(st.TotalBytes-st.BytesDone) / bytesPerSec * float64(time.Second)).Round(time.Second)
	}
	return rowsPerSec, bytesPerSec, eta
}

// Line is the live progress line.
func (st Stats) Line() string {
	rps, bps, eta := st.rate()
	pct := 100.0
	if st.TotalBytes > 0 {
		pct = float64(st.BytesDone) * 100 / float64(st.TotalBytes)
	}
	return fmt.Sprintf("files %d/%d, binlogs %d, rows %d, %s/%s (%.1f%%), %.0f rows/s, %s/s, ETA %s",
		st.FilesDone, st.TotalFiles, st.Binlogs, st.Rows, humanBytes(float64(st.BytesDone)),
		humanBytes(float64(st.TotalBytes)), pct, rps, humanBytes(bps), eta)
}

// Summary is the line printed at the end.
func (st Stats) Summary() string {
	rps, bps, _ := st.rate()
	return fmt.Sprintf("done: files %d, binlogs %d, rows %d, %s in %s (%.0f rows/s, %s/s), %d damaged records skipped",
		st.TotalFiles, st.Binlogs, st.Rows, humanBytes(float64(st.BytesDone)), st.Elapsed.Round(time.Millisecond),
		rps, humanBytes(bps), st.Corrupt)
}

func (st Stats) fields() []zap.Field {
	rps, bps, eta := st.rate()
	return []zap.Field{
		zap.Int("files", st.FilesDone), zap.Int("totalFiles", st.TotalFiles),
		zap.Int64("binlogs", st.Binlogs), zap.Int64("rows", st.Rows),
		zap.Int64("bytes", st.BytesDone), zap.Int64("totalBytes", st.TotalBytes),
		zap.Float64("rowsPerSecond", float64(int64(rps*10))/10), zap.Float64("bytesPerSecond", float64(int64(bps))),
		zap.Duration("eta", eta), zap.Int64("lastTS", st.LastTS), zap.Int64("corrupt", st.Corrupt),
		zap.Duration("elapsed", st.Elapsed.Round(time.Millisecond)),
	}
}

// humanBytes writes a byte count with a binary unit.
func humanBytes(n float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for n >= 1024 && i < len(units)-1 {
		n /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%.0f %s", n, units[i])
	}
	return fmt.Sprintf("%.1f %s", n, units[i])
}
