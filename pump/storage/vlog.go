package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// valueLog is the set of value-log files of <dir>/value. One writer at a
// time appends (the group leader); reads and scans are safe concurrently.
type valueLog struct {
	dir      string
	fileSize int64
	sync     bool
	lg       *zap.Logger
	m        *metrics
	report   func(*CorruptionError)

	mu    sync.RWMutex
	files map[uint32]*logFile
	cur   *logFile

	recent *recentRecords // payloads of the latest records, for readers

	readFault func(valuePointer) error // test hook (knobs.readFault)

	buf      []byte // writer-owned encode buffer
	cuts     []bufCut
	iov      [][]byte // what one group write writes: parts of buf and large payloads
	failed   error    // sticky after a failed fdatasync
	writeOff int64    // writer-owned: next offset in cur
	allocEnd int64    // writer-owned: cur is preallocated (zeros) up to here
	noAlloc  bool     // writer-owned: preallocation failed for cur, do not retry
	dropped  int64    // writer-owned: cur's page cache was dropped up to here

	cacheKeep   int64    // newest synced bytes left in the page cache
	prevCached  *logFile // writer-owned: the previous file, pages not yet dropped
	prevDropped int64    // writer-owned: prevCached was dropped up to here
}

func (v *valueLog) filePath(fid uint32) string {
	return filepath.Join(v.dir, fmt.Sprintf("%06d.vlog", fid))
}

// openValueLog opens every file of dir, recovering the last one, and makes
// sure there is an unfinalized current file.
func openValueLog(dir string, fileSize int64, syncLog bool, recentBytes int, lg *zap.Logger, m *metrics,
	report func(*CorruptionError)) (*valueLog, error) {
	v := &valueLog{dir: dir, fileSize: fileSize, sync: syncLog, lg: lg, m: m, report: report,
		files: make(map[uint32]*logFile), recent: newRecentRecords(recentBytes)}
	fids, err := listFids(dir)
	if err != nil {
		return nil, err
	}
	for i, fid := range fids {
		lf, err := openLogFile(fid, v.filePath(fid), i == len(fids)-1, report)
		if err != nil {
			v.closeFiles()
			return nil, err
		}
		v.files[fid] = lf
	}
	switch {
	case len(fids) == 0:
		err = v.createFile(0)
	case v.files[fids[len(fids)-1]].finalized:
		err = v.createFile(fids[len(fids)-1] + 1)
	default:
		v.cur = v.files[fids[len(fids)-1]]
		v.writeOff = v.cur.dataEnd.Load()
		v.allocEnd = v.writeOff // open cut the last file at its records
	}
	if err != nil {
		v.closeFiles()
		return nil, err
	}
	return v, nil
}

func listFids(dir string) ([]uint32, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read value dir: %w", err)
	}
	var fids []uint32
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".vlog") {
			continue
		}
		fid, err := strconv.ParseUint(strings.TrimSuffix(name, ".vlog"), 10, 32)
		if err != nil {
			return nil, fmt.Errorf("parse value log name %s: %w", name, err)
		}
		fids = append(fids, uint32(fid))
	}
	slices.Sort(fids)
	return fids, nil
}

// createFile creates file fid and makes it current.
func (v *valueLog) createFile(fid uint32) error {
	path := v.filePath(fid)
	fd, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("create value log: %w", err)
	}
	if err := syncDir(v.dir); err != nil {
		_ = fd.Close()
		return err
	}
	lf := &logFile{fid: fid, path: path, fd: fd}
	v.mu.Lock()
	v.files[fid] = lf
	v.cur = lf
	v.writeOff, v.allocEnd, v.noAlloc, v.dropped = 0, 0, false, 0
	v.mu.Unlock()
	return nil
}

// write appends payloads as records with one write and one fdatasync and
// appends their pointers to ptrs. maxTS is the largest start or commit ts
// among them. It rotates the file when it grew past fileSize.
func (v *valueLog) write(payloads [][]byte, maxTS int64, ptrs []valuePointer) ([]valuePointer, error) {
	if v.failed != nil {
		return ptrs, v.failed
	}
	cur := v.cur
	off := v.writeOff
	first := len(ptrs)
	var end int64
	ptrs, end = v.encode(payloads, off, ptrs)
	v.preallocate(end)
	t0 := time.Now()
	if err := writeAtv(cur.fd, v.iov, off); err != nil {
		v.dropPartialWrite(off)
		return ptrs, fmt.Errorf("write value log %s: %w", cur.path, err)
	}
	t1 := time.Now()
	v.m.durToDisk.Observe(t1.Sub(t0).Seconds())
	if v.sync {
		if err := fdatasync(cur.fd); err != nil {
			v.failed = fmt.Errorf("sync value log %s: %w", cur.path, err)
			return ptrs, v.failed
		}
		v.m.durFsync.Observe(time.Since(t1).Seconds())
	}
	v.dropSynced(end)
	v.writeOff = end
	cur.updateMaxTS(maxTS)
	cur.dataEnd.Store(v.writeOff)
	v.recent.add(ptrs[first:], payloads)
	v.m.sizeBatch.Observe(float64(end - off))
	if len(v.buf) > 4<<20 {
		v.buf = nil // do not keep a huge buffer
	}
	if v.writeOff > v.fileSize {
		return ptrs, v.rotate()
	}
	return ptrs, nil
}

// inlinePayload: smaller payloads are copied into the group's buffer,
// larger ones are written from where they are (one more buffer for
// pwritev), which saved copying 100 KiB binlogs once more.
const inlinePayload = 16 << 10

// encode frames payloads as the records of one write at off: it appends
// their pointers to ptrs and leaves in v.iov the buffers to write (parts of
// v.buf, and the large payloads themselves). It returns the end offset.
func (v *valueLog) encode(payloads [][]byte, off int64, ptrs []valuePointer) ([]valuePointer, int64) {
	v.buf, v.cuts = v.buf[:0], v.cuts[:0]
	pos := off
	for i, p := range payloads {
		ptrs = append(ptrs, valuePointer{fid: v.cur.fid, offset: pos})
		pos += recordSize(len(p))
		if len(p) < inlinePayload {
			v.buf = appendRecord(v.buf, p)
			continue
		}
		v.buf = appendRecordHeader(v.buf, p)
		v.cuts = append(v.cuts, bufCut{at: len(v.buf), payload: i})
	}
	clear(v.iov)
	v.iov = v.iov[:0]
	from := 0
	for _, c := range v.cuts {
		v.iov = append(v.iov, v.buf[from:c.at], payloads[c.payload])
		from = c.at
	}
	if from < len(v.buf) {
		v.iov = append(v.iov, v.buf[from:])
	}
	return ptrs, pos
}

// bufCut: payloads[payload] is written after v.buf[:at].
type bufCut struct{ at, payload int }

// dropPartialWrite cuts the file at off after a failed write (the next
// group is written there); the preallocation starts again from off.
func (v *valueLog) dropPartialWrite(off int64) {
	if err := v.cur.fd.Truncate(off); err != nil {
		// the next group overwrites the partial bytes from off; any left
		// past its end are a torn tail to the recovery scan
		v.lg.Warn("cut partial write failed", zap.String("file", v.cur.path), zap.Int64("offset", off), zap.Error(err))
	}
	v.allocEnd = off
}

// rotate finalizes the current file and starts the next one. The records
// already written are durable, so a failure here is logged, not returned.
func (v *valueLog) rotate() error {
	t0 := time.Now()
	defer func() { v.m.durRotate.Observe(time.Since(t0).Seconds()) }()
	if err := v.cur.finalize(); err != nil {
		v.lg.Error("finalize value log failed", zap.String("file", v.cur.path), zap.Error(err))
		return nil
	}
	v.keepPrevious()
	if err := v.createFile(v.cur.fid + 1); err != nil {
		v.failed = err
		v.lg.Error("create value log failed", zap.Error(err))
	}
	return nil
}

// end is the pointer just after the last durable record.
func (v *valueLog) end() valuePointer {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return valuePointer{fid: v.cur.fid, offset: v.cur.dataEnd.Load()}
}

// acquire returns file fid locked for reading; release with RUnlock.
func (v *valueLog) acquire(fid uint32) (*logFile, error) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	lf, ok := v.files[fid]
	if !ok {
		return nil, fmt.Errorf("fid %d: %w", fid, errFileNotFound)
	}
	lf.mu.RLock()
	return lf, nil
}

// read returns the payload of the record at p; the caller must not modify
// it (it may be shared with the recent records). A damaged record is a
// *CorruptionError (with the unverified payload on a checksum mismatch); a
// pointer into a file that does not exist wraps errFileNotFound.
func (v *valueLog) read(p valuePointer) ([]byte, error) {
	if v.readFault != nil {
		if err := v.readFault(p); err != nil {
			return nil, fmt.Errorf("read value log: %w", err)
		}
	}
	if b, ok := v.recent.get(p); ok {
		return b, nil
	}
	lf, err := v.acquire(p.fid)
	if err != nil {
		return nil, err
	}
	defer lf.mu.RUnlock()
	return lf.readRecord(p.offset)
}

// scan calls fn for every durable record from p on, across files, and
// returns the pointer just after the last record it visited.
func (v *valueLog) scan(p valuePointer, fn func(valuePointer, []byte) error) (valuePointer, error) {
	for {
		lf, next, ok := v.fileAtOrAfter(p.fid)
		if !ok {
			return p, nil
		}
		if lf.fid != p.fid {
			p = valuePointer{fid: lf.fid}
		}
		end := lf.dataEnd.Load()
		if p.offset < end {
			res, err := scanRecords(lf.fd, lf.path, lf.fid, p.offset, end, fn, v.report)
			if res.tornAt >= 0 && !res.zeroTail {
				v.report(&CorruptionError{File: lf.path, Offset: res.tornAt, Err: errTruncated})
			}
			lf.mu.RUnlock()
			if err != nil {
				return valuePointer{fid: lf.fid, offset: res.validEnd}, err
			}
			p.offset = end
		} else {
			lf.mu.RUnlock()
		}
		if !next {
			return p, nil
		}
		p = valuePointer{fid: p.fid + 1}
	}
}

// fileAtOrAfter returns the first file with id >= fid, locked for reading,
// and whether a later file exists.
func (v *valueLog) fileAtOrAfter(fid uint32) (*logFile, bool, bool) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	var best *logFile
	later := false
	for id, lf := range v.files {
		if id < fid {
			continue
		}
		if best == nil || id < best.fid {
			if best != nil {
				later = true
			}
			best = lf
		} else {
			later = true
		}
	}
	if best == nil {
		return nil, false, false
	}
	best.mu.RLock()
	return best, later, true
}

// gc deletes the files, except the current one, whose maxTS <= ts.
func (v *valueLog) gc(ts int64) int {
	v.mu.Lock()
	var victims []*logFile
	for fid, lf := range v.files {
		if lf != v.cur && lf.maxTS.Load() <= ts {
			victims = append(victims, lf)
			delete(v.files, fid)
		}
	}
	v.mu.Unlock()
	for _, lf := range victims {
		v.recent.dropFiles(lf.fid)
		lf.mu.Lock()
		_ = lf.fd.Close()
		if err := os.Remove(lf.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			v.lg.Error("remove value log failed", zap.String("file", lf.path), zap.Error(err))
		} else {
			v.lg.Info("value log deleted by gc", zap.String("file", lf.path), zap.Int64("maxTS", lf.maxTS.Load()))
		}
		lf.mu.Unlock()
	}
	return len(victims)
}

// close finalizes the current file when it holds at least finalizeMin bytes
// (otherwise it cuts the preallocated space) and closes every file.
func (v *valueLog) close(finalizeMin int64) error {
	var err error
	if cur := v.cur; cur != nil && v.failed == nil && !cur.finalized {
		if cur.dataEnd.Load() >= finalizeMin {
			err = cur.finalize()
		} else if v.allocEnd > cur.dataEnd.Load() {
			err = cur.cut()
		}
	}
	v.closeFiles()
	return err
}

func (v *valueLog) closeFiles() {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, lf := range v.files {
		lf.mu.Lock()
		_ = lf.fd.Close()
		lf.mu.Unlock()
	}
}
