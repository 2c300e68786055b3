package binlogfile

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
)

// source is what a Reader reads: random access plus a size that may grow
// while a writer appends (plain files only).
type source interface {
	io.ReaderAt
	// size returns the current size; refresh re-reads it.
	size(refresh bool) (int64, error)
	io.Closer
}

// fileSource is a plain binlog file.
type fileSource struct {
	f *os.File
	n int64
}

func (s *fileSource) ReadAt(p []byte, off int64) (int, error) { return s.f.ReadAt(p, off) }

func (s *fileSource) size(refresh bool) (int64, error) {
	if refresh || s.n < 0 {
		fi, err := s.f.Stat()
		if err != nil {
			return 0, fmt.Errorf("binlogfile: stat: %w", err)
		}
		s.n = fi.Size()
	}
	return s.n, nil
}

func (s *fileSource) Close() error { return s.f.Close() }

// openSource opens path. A .tar.gz file is decompressed into an unlinked
// temporary file (memory stays bounded, and the reader keeps random access
// for skipping damaged frames).
func openSource(path string) (source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("binlogfile: open: %w", err)
	}
	if !IsCompressed(path) {
		return &fileSource{f: f, n: -1}, nil
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("binlogfile: open gzip %s: %w", path, err)
	}
	tmp, err := os.CreateTemp("", "binlogfile-gunzip-*")
	if err != nil {
		return nil, fmt.Errorf("binlogfile: decompress %s: %w", path, err)
	}
	_ = os.Remove(tmp.Name()) // unlinked: gone when closed
	n, err := io.Copy(tmp, zr)
	if err != nil && n == 0 {
		_ = tmp.Close()
		return nil, fmt.Errorf("binlogfile: decompress %s: %w", path, err)
	}
	// A torn gzip stream still yields what was decompressed: its complete
	// frames are read and the rest is a torn tail.
	return &fileSource{f: tmp, n: n}, nil
}
