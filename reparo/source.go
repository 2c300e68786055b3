package reparo

import (
	"errors"
	"fmt"
	"io"
	"os"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/binlogfile"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// ErrNoBinlogFiles is returned for a data directory without binlog files.
var ErrNoBinlogFiles = errors.New("reparo: no binlog files")

// BadRecordError reports a record whose frame is intact but whose payload
// is not a pb_binlog Binlog.
type BadRecordError struct {
	File   string
	Offset int64
	Err    error
}

func (e *BadRecordError) Error() string {
	return fmt.Sprintf("reparo: bad binlog record in %s at offset %d: %v", e.File, e.Offset, e.Err)
}

// Unwrap returns the cause.
func (e *BadRecordError) Unwrap() error { return e.Err }

// fileInfo is one selected binlog file.
type fileInfo struct {
	path    string
	size    int64
	firstTS int64
}

// Record is one binlog read from a file.
type Record struct {
	Binlog *filepb.Binlog
	File   string
	Offset int64 // where the record's frame starts
}

// source reads the records of the selected files in order, keeping those
// in [start, stop] and dropping duplicates a drainer restart left (a commit
// ts not above the last one returned).
type source struct {
	lg          *zap.Logger
	files       []fileInfo
	start, stop int64
	total       int64

	cur      int
	rd       *binlogfile.Reader
	doneSize int64 // bytes of the files finished
	lastTS   int64
	skipped  int64 // duplicates dropped

	// report is told of every damaged record (it keeps going).
	report func(error)
	names  interner // schema and table names
}

// openSource lists dir and selects the files that may hold [start, stop]
// (stop 0: unbounded).
func openSource(dir string, start, stop int64, lg *zap.Logger, report func(error)) (*source, error) {
	paths, err := binlogfile.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list binlog files: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoBinlogFiles, dir)
	}
	files, err := selectFiles(paths, start, stop, lg)
	if err != nil {
		return nil, err
	}
	s := &source{lg: lg, files: files, start: start, stop: stop, report: report}
	for _, f := range files {
		s.total += f.size
	}
	lg.Info("binlog files selected", zap.Int("files", len(files)), zap.Int("listed", len(paths)),
		zap.Int64("startTSO", start), zap.Int64("stopTSO", stop), zap.Int64("bytes", s.total))
	return s, nil
}

// selectFiles keeps the last file whose first commit ts is <= start, and
// every following file up to the first one whose first ts is > stop.
// Files without a binlog are left out.
func selectFiles(paths []string, start, stop int64, lg *zap.Logger) ([]fileInfo, error) {
	var (
		out    []fileInfo
		latest *fileInfo
	)
	for _, p := range paths {
		fi, err := statFile(p, lg)
		if err != nil {
			return nil, err
		}
		if fi.firstTS == 0 {
			continue // no binlog in it (a file just rotated to, or empty)
		}
		if fi.firstTS <= start {
			latest = &fi
			continue
		}
		if stop != 0 && fi.firstTS > stop {
			break
		}
		if latest != nil {
			out = append(out, *latest)
		}
		latest = &fi
	}
	if latest != nil {
		out = append(out, *latest)
	}
	return out, nil
}

// statFile finds a file's size and first commit ts: from its name when the
// name carries it, otherwise from its first readable record (0 when it has
// none).
func statFile(path string, lg *zap.Logger) (fileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return fileInfo{}, fmt.Errorf("stat binlog file: %w", err)
	}
	fi := fileInfo{path: path, size: st.Size()}
	if _, ts, ok := binlogfile.ParseFileName(path); ok && ts > 0 {
		fi.firstTS = ts
		return fi, nil
	}
	rd := binlogfile.NewReader(path, 0, nil)
	defer rd.Close()
	for {
		payload, _, err := rd.Next()
		var ce *binlogfile.CorruptionError
		switch {
		case errors.Is(err, io.EOF):
			lg.Debug("no binlog in file", zap.String("file", path))
			return fi, nil
		case errors.As(err, &ce):
			continue
		case err != nil:
			return fileInfo{}, fmt.Errorf("read first binlog of %s: %w", path, err)
		}
		var b filepb.Binlog
		if proto.Unmarshal(payload, &b) == nil {
			fi.firstTS = b.GetCommitTs()
			return fi, nil
		}
	}
}

// Next returns the next record in range, or io.EOF after the last file.
// Damaged records are reported and skipped.
func (s *source) Next() (*Record, error) {
	for {
		if s.rd == nil {
			if s.cur >= len(s.files) {
				return nil, io.EOF
			}
			s.rd = binlogfile.NewReader(s.files[s.cur].path, 0, s.lg)
		}
		start := s.rd.Offset()
		payload, _, err := s.rd.Next()
		var ce *binlogfile.CorruptionError
		switch {
		case errors.Is(err, io.EOF):
			s.endFile()
			continue
		case errors.As(err, &ce):
			s.report(ce)
			continue
		case err != nil:
			return nil, fmt.Errorf("read %s: %w", s.rd.Path(), err)
		}
		rec, ok := s.decode(payload, start)
		if ok {
			return rec, nil
		}
	}
}

// decode unmarshals a payload and tells whether the record is to be used.
func (s *source) decode(payload []byte, offset int64) (*Record, bool) {
	b, err := unmarshalBinlog(payload, &s.names)
	if err != nil {
		s.report(&BadRecordError{File: s.rd.Path(), Offset: offset, Err: err})
		return nil, false
	}
	ts := b.GetCommitTs()
	if ts < s.start || (s.stop != 0 && ts > s.stop) {
		return nil, false
	}
	if ts <= s.lastTS {
		s.skipped++
		s.lg.Debug("duplicate binlog skipped", zap.Int64("commitTS", ts), zap.String("file", s.rd.Path()))
		return nil, false
	}
	s.lastTS = ts
	return &Record{Binlog: b, File: s.rd.Path(), Offset: offset}, true
}

// endFile closes the current file, noting a torn tail that is not at the
// end of the last file (lost data).
func (s *source) endFile() {
	if torn := s.rd.TornTail(); torn != nil {
		if s.cur < len(s.files)-1 {
			s.report(torn)
		} else {
			s.lg.Info("torn record at the end of the last binlog file ignored",
				zap.String("file", torn.File), zap.Int64("offset", torn.Offset), zap.Error(torn.Err))
		}
	}
	_ = s.rd.Close()
	s.rd = nil
	s.doneSize += s.files[s.cur].size
	s.cur++
}

// BytesDone returns the bytes of the selected files read so far (a
// compressed file counts as read up to its size).
func (s *source) BytesDone() int64 {
	if s.rd == nil {
		return s.doneSize
	}
	return s.doneSize + min(s.rd.Offset(), s.files[s.cur].size)
}

// FilesDone returns the number of files read to their end.
func (s *source) FilesDone() int { return s.cur }

// Close releases the current file.
func (s *source) Close() error {
	if s.rd != nil {
		err := s.rd.Close()
		s.rd = nil
		return err
	}
	return nil
}
