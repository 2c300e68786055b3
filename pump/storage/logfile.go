package storage

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

const readAhead = 1 << 20

// logFile is one value-log file.
type logFile struct {
	fid  uint32
	path string

	mu sync.RWMutex // readers hold it shared; deletion takes it exclusively
	fd *os.File

	maxTS     atomic.Int64 // max of start and commit ts of its records
	dataEnd   atomic.Int64 // end of the durable records (excludes the footer)
	finalized bool         // has a footer; owned by the writer (or open)
}

// openLogFile opens an existing file. A finalized file gets its maxTS from
// the footer; otherwise the records are scanned. For the last file, a torn
// tail (bytes after the last valid record that hold no valid record, such
// as the zeros of preallocated space) is truncated.
func openLogFile(fid uint32, path string, last bool, report func(*CorruptionError)) (*logFile, error) {
	fd, err := os.OpenFile(path, os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open value log: %w", err)
	}
	lf := &logFile{fid: fid, path: path, fd: fd}
	if err := lf.load(last, report); err != nil {
		_ = fd.Close()
		return nil, err
	}
	return lf, nil
}

func (lf *logFile) load(last bool, report func(*CorruptionError)) error {
	info, err := lf.fd.Stat()
	if err != nil {
		return fmt.Errorf("stat value log: %w", err)
	}
	size := info.Size()
	if size >= footerSize {
		var f [footerSize]byte
		if _, err := lf.fd.ReadAt(f[:], size-footerSize); err != nil {
			return fmt.Errorf("read footer of %s: %w", lf.path, err)
		}
		if maxTS, ok := decodeFooter(f[:]); ok {
			lf.finalized = true
			lf.maxTS.Store(maxTS)
			lf.dataEnd.Store(size - footerSize)
			return nil
		}
	}
	var maxTS int64
	res, err := scanRecords(lf.fd, lf.path, lf.fid, 0, size, func(_ valuePointer, payload []byte) error {
		if h, perr := binlogpb.PeekHeader(payload); perr == nil {
			maxTS = max(maxTS, h.StartTs, h.CommitTs)
		}
		return nil
	}, report)
	if err != nil {
		return err
	}
	lf.maxTS.Store(maxTS)
	lf.dataEnd.Store(res.validEnd)
	if res.tornAt >= 0 {
		if !last {
			if !res.zeroTail {
				report(&CorruptionError{File: lf.path, Offset: res.tornAt, Err: errTruncated})
			}
			return nil
		}
		if err := lf.fd.Truncate(res.validEnd); err != nil {
			return fmt.Errorf("truncate torn tail of %s: %w", lf.path, err)
		}
		if err := fdatasync(lf.fd); err != nil {
			return fmt.Errorf("sync %s: %w", lf.path, err)
		}
	}
	return nil
}

// finalize cuts the file at the end of the records (dropping preallocated
// space), appends the footer and syncs the file.
func (lf *logFile) finalize() error {
	end := lf.dataEnd.Load()
	if err := lf.fd.Truncate(end); err != nil {
		return fmt.Errorf("truncate %s: %w", lf.path, err)
	}
	buf := appendFooter(nil, lf.maxTS.Load())
	if _, err := lf.fd.WriteAt(buf, end); err != nil {
		return fmt.Errorf("write footer of %s: %w", lf.path, err)
	}
	if err := fdatasync(lf.fd); err != nil {
		return fmt.Errorf("sync %s: %w", lf.path, err)
	}
	lf.finalized = true
	return nil
}

// cut truncates the file at the end of the records and syncs it.
func (lf *logFile) cut() error {
	if err := lf.fd.Truncate(lf.dataEnd.Load()); err != nil {
		return fmt.Errorf("truncate %s: %w", lf.path, err)
	}
	if err := fdatasync(lf.fd); err != nil {
		return fmt.Errorf("sync %s: %w", lf.path, err)
	}
	return nil
}

func (lf *logFile) updateMaxTS(ts int64) {
	if ts > lf.maxTS.Load() {
		lf.maxTS.Store(ts)
	}
}

// readRecord reads the record at off; the caller holds lf.mu shared. A
// damaged record is a *CorruptionError; when only its magic or its checksum
// is wrong, the unverified payload is returned with it, so that a reader
// can tell what the damaged record was.
func (lf *logFile) readRecord(off int64) ([]byte, error) {
	end := lf.dataEnd.Load()
	corrupt := func(err error) error { return &CorruptionError{File: lf.path, Offset: off, Err: err} }
	if off < 0 || off+recordHeaderSize > end {
		return nil, corrupt(errTruncated)
	}
	var h [recordHeaderSize]byte
	if _, err := lf.fd.ReadAt(h[:], off); err != nil {
		return nil, fmt.Errorf("read record header of %s: %w", lf.path, err)
	}
	_, _, magicErr := decodeHeader(h[:])
	length, sum := binary.LittleEndian.Uint64(h[4:]), binary.LittleEndian.Uint32(h[12:])
	if length > uint64(end-off-recordHeaderSize) {
		return nil, corrupt(cmp.Or(magicErr, errTruncated))
	}
	payload := make([]byte, int(length))
	if _, err := lf.fd.ReadAt(payload, off+recordHeaderSize); err != nil {
		return nil, fmt.Errorf("read record of %s: %w", lf.path, err)
	}
	sumOK := crc32.Checksum(payload, crcTable) == sum
	switch {
	case magicErr == nil && sumOK:
		return payload, nil
	case magicErr == nil:
		return payload, corrupt(errBadChecksum)
	case sumOK:
		return payload, corrupt(magicErr)
	}
	return nil, corrupt(magicErr)
}

// fileReader serves windows of a file through a read-ahead buffer.
type fileReader struct {
	r      io.ReaderAt
	end    int64
	buf    []byte
	bufOff int64
}

// window returns up to n bytes at off; fewer only at the end of the region.
func (r *fileReader) window(off int64, n int) ([]byte, error) {
	if off >= r.bufOff && off+int64(n) <= r.bufOff+int64(len(r.buf)) {
		s := off - r.bufOff
		return r.buf[s : s+int64(n)], nil
	}
	size := int64(max(n, readAhead))
	if off+size > r.end {
		size = r.end - off
	}
	if size <= 0 {
		return nil, nil
	}
	if int64(cap(r.buf)) < size {
		r.buf = make([]byte, size)
	}
	r.buf = r.buf[:size]
	got, err := r.r.ReadAt(r.buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		r.buf = r.buf[:0]
		return nil, fmt.Errorf("read value log: %w", err)
	}
	r.buf, r.bufOff = r.buf[:got], off
	return r.buf[:min(n, got)], nil
}

// recordAt decodes the record at off within the region.
func (r *fileReader) recordAt(off int64) ([]byte, int64, error) {
	h, err := r.window(off, recordHeaderSize)
	if err != nil {
		return nil, 0, err
	}
	length, _, err := decodeHeader(h)
	if err != nil {
		return nil, 0, err
	}
	if length > uint64(r.end-off-recordHeaderSize) {
		return nil, 0, errTruncated
	}
	b, err := r.window(off, recordHeaderSize+int(length))
	if err != nil {
		return nil, 0, err
	}
	return decodeRecord(b)
}

var magicBytes = binary.LittleEndian.AppendUint32(nil, recordMagic)

// nextValid finds the first offset > from that starts a valid record, or -1.
func (r *fileReader) nextValid(from int64) (int64, error) {
	pos := from
	for pos+recordHeaderSize <= r.end {
		w, err := r.window(pos, readAhead)
		if err != nil {
			return -1, err
		}
		i := bytes.Index(w, magicBytes)
		if i < 0 {
			pos += int64(max(len(w)-len(magicBytes)+1, 1))
			continue
		}
		cand := pos + int64(i)
		if _, _, err := r.recordAt(cand); err == nil {
			return cand, nil
		}
		pos = cand + 1
	}
	return -1, nil
}

// allZero reports whether every byte from off to the end of the region is 0.
func (r *fileReader) allZero(off int64) (bool, error) {
	for off < r.end {
		w, err := r.window(off, readAhead)
		if err != nil {
			return false, err
		}
		if len(w) == 0 {
			return false, nil
		}
		for _, c := range w {
			if c != 0 {
				return false, nil
			}
		}
		off += int64(len(w))
	}
	return true, nil
}

type scanResult struct {
	validEnd int64 // end of the last valid record
	tornAt   int64 // start of trailing bytes holding no valid record, or -1
	// zeroTail: the bytes from tornAt on are all zero, the unused end of a
	// preallocated file rather than damage.
	zeroTail bool
}

// scanRecords calls fn for every valid record in [start, end) of a file.
// A damaged record followed by a valid one is reported and skipped; damaged
// bytes up to the end are returned as tornAt. payload aliases a buffer that
// is reused after fn returns.
func scanRecords(ra io.ReaderAt, path string, fid uint32, start, end int64,
	fn func(valuePointer, []byte) error, report func(*CorruptionError)) (scanResult, error) {
	rd := &fileReader{r: ra, end: end}
	res := scanResult{validEnd: start, tornAt: -1}
	off := start
	for off < end {
		payload, n, err := rd.recordAt(off)
		if err != nil && !isDecodeError(err) {
			return res, err
		}
		if err != nil {
			next, nerr := rd.nextValid(off + 1)
			if nerr != nil {
				return res, nerr
			}
			if next < 0 {
				res.tornAt = off
				res.zeroTail, err = rd.allZero(off)
				return res, err
			}
			report(&CorruptionError{File: path, Offset: off, Err: err})
			off = next
			continue
		}
		if err := fn(valuePointer{fid: fid, offset: off}, payload); err != nil {
			return res, err
		}
		off += n
		res.validEnd = off
	}
	return res, nil
}

func isDecodeError(err error) bool {
	return errors.Is(err, errBadMagic) || errors.Is(err, errTruncated) || errors.Is(err, errBadChecksum)
}
