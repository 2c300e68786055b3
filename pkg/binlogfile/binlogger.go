package binlogfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// DefaultMaxFileSize is the size at which a Binlogger rotates to a new file
// (the original's SegmentSizeBytes).
const DefaultMaxFileSize int64 = 512 << 20

// Options configure a Binlogger.
type Options struct {
	// MaxFileSize: once the current file reaches it, the next write goes to
	// a new file (0: DefaultMaxFileSize). A frame is never split.
	MaxFileSize int64
	// SyncEveryWrite fsyncs the file after every WriteTail. Otherwise data
	// is fsynced by Sync, on rotation and on Close.
	SyncEveryWrite bool
	Logger         *zap.Logger           // nil: no logging
	Registerer     prometheus.Registerer // nil: metrics not registered
	// Now names new files (nil: time.Now, local time like the original).
	Now func() time.Time
}

// Pos is a position in a binlog directory: a file index and an offset.
type Pos struct {
	Index  uint64
	Offset int64
}

// segment is the file a Binlogger appends to (an *os.File; tests inject
// failures through it).
type segment interface {
	io.WriterAt
	Sync() error
	Truncate(size int64) error
	Close() error
	Name() string
}

// createFunc opens (creating if needed) the segment at path for writing.
type createFunc func(path string) (segment, error)

func createFile(path string) (segment, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
}

// Binlogger appends frames to the newest file of a directory. Its methods
// are safe for concurrent use.
type Binlogger struct {
	dir    string
	opts   Options
	lg     *zap.Logger
	m      *Metrics
	create createFunc

	mu     sync.Mutex
	lock   *os.File
	f      segment
	index  uint64
	offset int64
	buf    []byte
	err    error // sticky: fsync failed, the file's state is unknown
	closed bool
}

// OpenBinlogger opens dir for appending (creating it if needed) and locks
// it. Writing continues at the end of the newest file; a torn tail left
// there by a crash is cut off first, so new frames follow the last valid
// one. An empty directory starts with index 0.
func OpenBinlogger(dir string, opts Options) (*Binlogger, error) {
	return openBinlogger(dir, opts, createFile)
}

func openBinlogger(dir string, opts Options, create createFunc) (*Binlogger, error) {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	lg := opts.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	b := &Binlogger{dir: dir, opts: opts, create: create,
		lg: lg.With(zap.String("component", "binlogfile")), m: NewMetrics(opts.Registerer)}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("binlogfile: create dir: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	b.lock = lock
	if err := b.openTail(); err != nil {
		_ = lock.Close()
		return nil, err
	}
	b.lg.Info("binlog directory opened", zap.String("dir", dir), zap.String("file", b.f.Name()),
		zap.Int64("offset", b.offset))
	return b, nil
}

// openTail opens the newest plain file (or creates the first or next one)
// and recovers its torn tail.
func (b *Binlogger) openTail() error {
	files, err := ReadDir(b.dir)
	if err != nil {
		return err
	}
	b.warnGaps(files)
	if len(files) == 0 {
		return b.createSegment(0)
	}
	last := files[len(files)-1]
	index, _, _ := ParseFileName(last)
	if IsCompressed(last) {
		return b.createSegment(index + 1)
	}
	end, err := validEnd(last, b.lg)
	if err != nil {
		return err
	}
	f, err := b.create(last)
	if err != nil {
		return fmt.Errorf("binlogfile: open %s: %w", last, err)
	}
	if end.truncate {
		b.lg.Warn("cutting the torn tail of the last binlog file", zap.String("file", last),
			zap.Int64("offset", end.offset), zap.Int64("size", end.size))
		if err := f.Truncate(end.offset); err != nil {
			_ = f.Close()
			return fmt.Errorf("binlogfile: truncate torn tail of %s: %w", last, err)
		}
	}
	b.f, b.index, b.offset = f, index, end.offset
	return nil
}

// warnGaps logs missing indexes between files (the original refused to
// open; the writer only needs the newest file).
func (b *Binlogger) warnGaps(files []string) {
	for i := 1; i < len(files); i++ {
		prev, _, _ := ParseFileName(files[i-1])
		cur, _, _ := ParseFileName(files[i])
		if cur != prev+1 {
			b.lg.Warn("binlog file indexes are not consecutive", zap.String("before", files[i-1]),
				zap.String("after", files[i]))
		}
	}
}

// createSegment creates the file with the given index and makes it current.
func (b *Binlogger) createSegment(index uint64) error {
	path := filepath.Join(b.dir, FileName(index, b.opts.Now()))
	f, err := b.create(path)
	if err != nil {
		return ioError("create", path, err)
	}
	if b.opts.SyncEveryWrite {
		syncDir(b.dir, b.lg)
	}
	b.f, b.index, b.offset = f, index, 0
	return nil
}

// WriteTail appends one frame holding payload (an empty payload writes
// nothing, like the original). When the file reaches MaxFileSize the next
// write goes to a new file. A failed write leaves the file as it was
// before (a write that hit a full disk is cut off) and returns an error
// wrapping the cause, and ErrNoSpace when the disk is full.
func (b *Binlogger) WriteTail(payload []byte) error {
	begin := time.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.usable(); err != nil {
		return err
	}
	if len(payload) == 0 {
		return nil
	}
	if b.f == nil || b.offset >= b.opts.MaxFileSize {
		if err := b.rotate(); err != nil {
			return err
		}
	}
	b.buf = AppendFrame(b.buf[:0], payload)
	if err := b.write(b.buf); err != nil {
		return err
	}
	if b.opts.SyncEveryWrite {
		if err := b.f.Sync(); err != nil {
			b.err = ioError("fsync", b.f.Name(), err)
			return b.err
		}
	}
	b.m.writeSize.Observe(float64(len(payload)))
	b.m.writeDuration.Observe(time.Since(begin).Seconds())
	if cap(b.buf) > 4<<20 {
		b.buf = nil // do not pin a huge buffer
	}
	if b.offset >= b.opts.MaxFileSize {
		if err := b.rotate(); err != nil {
			// The frame is written; rotation is retried by the next write.
			b.lg.Error("rotate binlog file", zap.Error(err))
		}
	}
	return nil
}

// write writes one frame at the current offset; on failure it cuts off
// whatever part of it reached the file.
func (b *Binlogger) write(frame []byte) error {
	name := b.f.Name()
	if _, err := b.f.WriteAt(frame, b.offset); err != nil {
		if terr := b.f.Truncate(b.offset); terr != nil {
			b.lg.Error("cannot cut off a failed write; readers see a torn tail",
				zap.String("file", name), zap.Int64("offset", b.offset), zap.Error(terr))
		}
		return ioError(fmt.Sprintf("write at offset %d of", b.offset), name, err)
	}
	b.offset += int64(len(frame))
	return nil
}

// rotate syncs and closes the current file and creates the next one.
func (b *Binlogger) rotate() error {
	next := b.index + 1
	if b.f != nil {
		if err := b.f.Sync(); err != nil {
			return ioError("fsync", b.f.Name(), err)
		}
		if err := b.f.Close(); err != nil {
			b.lg.Warn("close binlog file", zap.String("file", b.f.Name()), zap.Error(err))
		}
		b.f = nil
	}
	if err := b.createSegment(next); err != nil {
		return err
	}
	b.lg.Info("binlog file rotated", zap.String("file", b.f.Name()))
	return nil
}

func (b *Binlogger) usable() error {
	if b.closed {
		return ErrClosed
	}
	return b.err
}

// Sync fsyncs the current file.
func (b *Binlogger) Sync() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.usable(); err != nil {
		return err
	}
	if b.f == nil {
		return nil
	}
	if err := b.f.Sync(); err != nil {
		b.err = ioError("fsync", b.f.Name(), err)
		return b.err
	}
	return nil
}

// Pos returns the position after the last frame written: the current
// file's index and size.
func (b *Binlogger) Pos() Pos {
	b.mu.Lock()
	defer b.mu.Unlock()
	return Pos{Index: b.index, Offset: b.offset}
}

// Dir returns the directory.
func (b *Binlogger) Dir() string { return b.dir }

// Close fsyncs and closes the current file and releases the directory lock.
func (b *Binlogger) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	err := b.err // a failed fsync is reported again
	if b.f != nil {
		if serr := b.f.Sync(); serr != nil && err == nil {
			err = ioError("fsync", b.f.Name(), serr)
		}
		if cerr := b.f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("binlogfile: close %s: %w", b.f.Name(), cerr)
		}
		b.f = nil
	}
	if lerr := b.lock.Close(); lerr != nil && err == nil {
		err = fmt.Errorf("binlogfile: unlock %s: %w", b.dir, lerr)
	}
	return err
}

// syncDir fsyncs a directory so a new file's entry is durable.
func syncDir(dir string, lg *zap.Logger) {
	d, err := os.Open(dir)
	if err == nil {
		err = d.Sync()
		_ = d.Close()
	}
	if err != nil {
		lg.Warn("fsync binlog directory", zap.String("dir", dir), zap.Error(err))
	}
}

// ioError describes a failed file operation; a full disk also wraps
// ErrNoSpace.
func ioError(op, path string, err error) error {
	if isNoSpace(err) {
		return fmt.Errorf("%w: %s %s: %w", ErrNoSpace, op, path, err)
	}
	return fmt.Errorf("binlogfile: %s %s: %w", op, path, err)
}
