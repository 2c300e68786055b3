package binlogfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// readChunk is how much a Reader reads at a time (frames larger than this
// are read on their own).
const readChunk = 256 << 10

var magicBytes = binary.LittleEndian.AppendUint32(nil, Magic)

// ReaderOptions configure NewReaderWithOptions.
type ReaderOptions struct {
	Logger *zap.Logger // nil: no logging
	// Metrics receives read durations and corruption counts; nil builds
	// unregistered metrics unless Registerer is set.
	Metrics    *Metrics
	Registerer prometheus.Registerer
}

// Reader returns the payloads of one binlog file in order. It is not safe
// for concurrent use.
type Reader struct {
	path string
	lg   *zap.Logger
	m    *Metrics

	src     source
	openErr error
	off     int64 // offset of the next frame
	torn    *CorruptionError

	winStart int64
	win      []byte
}

// NewReader returns a Reader of the file at path starting at offset (0, or
// an offset Next returned). The file is opened by the first Next.
func NewReader(path string, offset int64, lg *zap.Logger) *Reader {
	return NewReaderWithOptions(path, offset, ReaderOptions{Logger: lg})
}

// NewReaderWithOptions is NewReader with metrics.
func NewReaderWithOptions(path string, offset int64, opts ReaderOptions) *Reader {
	lg := opts.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	m := opts.Metrics
	if m == nil {
		m = NewMetrics(opts.Registerer)
	}
	return &Reader{path: path, lg: lg.With(zap.String("component", "binlogfile-reader")), m: m, off: offset}
}

// Next returns the next payload and the offset just after its frame (where
// the next frame starts). At the end of the file it returns io.EOF; an
// incomplete or damaged tail with no valid frame after it (a torn tail) is
// also io.EOF, described by TornTail, and a later Next retries it (a writer
// may still be appending). A damaged frame followed by a valid one returns
// a *CorruptionError naming the damaged frame's offset, with the offset of
// the next valid frame; the following Next resumes there. Other errors
// (opening or reading the file) are returned as they are.
func (r *Reader) Next() (payload []byte, offset int64, err error) {
	if err := r.open(); err != nil {
		return nil, r.off, err
	}
	begin := time.Now()
	payload, n, cause, err := r.decodeAt(r.off, true)
	if err != nil {
		return nil, r.off, err
	}
	if cause == nil {
		r.torn = nil
		r.off += n
		r.m.readDuration.Observe(time.Since(begin).Seconds())
		return payload, r.off, nil
	}
	err = r.damaged(cause) // moves r.off past a damaged frame
	return nil, r.off, err
}

// damaged handles a frame at r.off that did not decode: EOF, a torn tail,
// or corruption followed by a valid frame.
func (r *Reader) damaged(cause error) error {
	size, err := r.src.size(false)
	if err != nil {
		return err
	}
	if r.off >= size && errors.Is(cause, ErrTruncated) {
		r.torn = nil
		r.dropWindow()
		return io.EOF
	}
	next, found, err := r.scan(r.off + 1)
	if err != nil {
		return err
	}
	bad := &CorruptionError{File: r.path, Offset: r.off, Err: cause}
	if !found {
		// A writer may cut a torn tail and write other bytes there (after
		// a crash or a failed write): read them afresh next time.
		r.dropWindow()
		r.torn = bad
		r.lg.Debug("torn tail", zap.String("file", r.path), zap.Int64("offset", r.off), zap.Error(cause))
		return io.EOF
	}
	r.m.corruptionHits.Inc()
	r.lg.Warn("corrupt binlog frame skipped", zap.String("file", r.path), zap.Int64("offset", r.off),
		zap.Int64("resumeOffset", next), zap.Error(cause))
	r.off = next
	r.torn = nil
	return bad
}

// refreshSize re-reads the file size; a file that shrank (a writer cut
// its torn tail) also invalidates the read window.
func (r *Reader) refreshSize() (int64, error) {
	size, err := r.src.size(true)
	if err == nil && size < r.winStart+int64(len(r.win)) {
		r.dropWindow()
	}
	return size, err
}

func (r *Reader) dropWindow() { r.win, r.winStart = r.win[:0], 0 }

// TornTail describes the torn tail the last io.EOF stopped at (nil when the
// file ended cleanly). For the file a writer appends to, a torn tail is
// normal after a crash; for any other file it is lost data.
func (r *Reader) TornTail() *CorruptionError { return r.torn }

// Offset returns the offset of the next frame Next will read.
func (r *Reader) Offset() int64 { return r.off }

// Path returns the file the Reader reads.
func (r *Reader) Path() string { return r.path }

// Close releases the file.
func (r *Reader) Close() error {
	if r.src == nil {
		return nil
	}
	err := r.src.Close()
	r.src = nil
	r.openErr = errors.New("binlogfile: reader closed")
	return err
}

func (r *Reader) open() error {
	if r.src != nil || r.openErr != nil {
		return r.openErr
	}
	src, err := openSource(r.path)
	if err != nil {
		r.openErr = err
		return err
	}
	r.src = src
	return nil
}

// decodeAt decodes the frame at off. cause is ErrTruncated,
// ErrMagicMismatch or ErrCRCMismatch for a frame that does not decode; err
// is an I/O error. With wantPayload false only the frame is checked.
func (r *Reader) decodeAt(off int64, wantPayload bool) (payload []byte, n int64, cause, err error) {
	size, err := r.src.size(false)
	if err != nil {
		return nil, 0, nil, err
	}
	if size-off < FrameOverhead {
		// Maybe a writer appended since the size was read.
		if size, err = r.refreshSize(); err != nil {
			return nil, 0, nil, err
		}
	}
	h, err := r.bytesAt(off, HeaderSize, size)
	if err != nil {
		return nil, 0, nil, err
	}
	if len(h) < HeaderSize {
		return nil, 0, ErrTruncated, nil
	}
	ok, length := frameHeader(h)
	if !ok {
		return nil, 0, ErrMagicMismatch, nil
	}
	if !fits(length, off, size) {
		if size, err = r.refreshSize(); err != nil {
			return nil, 0, nil, err
		}
		if !fits(length, off, size) {
			return nil, 0, ErrTruncated, nil
		}
	}
	body, err := r.bytesAt(off+HeaderSize, int(length)+TrailerSize, size)
	if err != nil {
		return nil, 0, nil, err
	}
	if len(body) < int(length)+TrailerSize {
		return nil, 0, ErrTruncated, nil
	}
	if !checkBody(body) {
		return nil, 0, ErrCRCMismatch, nil
	}
	if wantPayload {
		if int(length)+TrailerSize > readChunk {
			payload = body[:length:length] // read on its own: not aliased
		} else {
			payload = append(make([]byte, 0, length), body[:length]...)
		}
	}
	return payload, int64(length) + FrameOverhead, nil, nil
}

// scan looks for the first valid frame at or after from.
func (r *Reader) scan(from int64) (int64, bool, error) {
	size, err := r.src.size(false)
	if err != nil {
		return 0, false, err
	}
	for pos := from; size-pos >= FrameOverhead; {
		chunk, err := r.bytesAt(pos, readChunk, size)
		if err != nil {
			return 0, false, err
		}
		if len(chunk) < len(magicBytes) {
			break
		}
		i := bytes.Index(chunk, magicBytes)
		if i < 0 {
			pos += int64(len(chunk) - len(magicBytes) + 1)
			continue
		}
		cand := pos + int64(i)
		_, _, cause, err := r.decodeAt(cand, false)
		if err != nil {
			return 0, false, err
		}
		if cause == nil {
			return cand, true, nil
		}
		pos = cand + 1
	}
	return 0, false, nil
}

// bytesAt returns up to n bytes at off (fewer at the end of the file). The
// result may alias the read window and is valid until the next call.
func (r *Reader) bytesAt(off int64, n int, size int64) ([]byte, error) {
	if off >= r.winStart && off+int64(n) <= r.winStart+int64(len(r.win)) {
		return r.win[off-r.winStart:][:n], nil
	}
	avail := size - off
	if avail <= 0 {
		return nil, nil
	}
	want := int64(max(n, readChunk))
	if n > readChunk {
		want = int64(n)
	}
	want = min(want, avail)
	buf := r.win[:0]
	if n > readChunk {
		buf = nil // a big frame is read on its own, not cached
	}
	if int64(cap(buf)) < want {
		buf = make([]byte, want)
	}
	buf = buf[:want]
	got, err := r.src.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("binlogfile: read %s at %d: %w", r.path, off, err)
	}
	buf = buf[:got]
	if n <= readChunk {
		r.win, r.winStart = buf, off
	}
	return buf[:min(n, got)], nil
}

// fits reports whether a frame of the given payload length at off ends
// within size.
func fits(length uint64, off, size int64) bool {
	avail := size - off - FrameOverhead
	return avail >= 0 && length <= uint64(avail)
}
