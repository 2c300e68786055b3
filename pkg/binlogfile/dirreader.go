package binlogfile

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
)

// DirReader reads the frames of every binlog file of a directory in order,
// from a position on (the relay log's and a restore's view of a directory).
// It is not safe for concurrent use.
type DirReader struct {
	dir   string
	opts  ReaderOptions
	files []string
	cur   int
	r     *Reader
	from  Pos
}

// NewDirReader lists dir and returns a reader starting at from: the file
// with index from.Index (or the first one after it) at from.Offset. Files
// created after NewDirReader are not seen.
func NewDirReader(dir string, from Pos, opts ReaderOptions) (*DirReader, error) {
	files, err := ReadDir(dir)
	if err != nil {
		return nil, err
	}
	if opts.Metrics == nil {
		opts.Metrics = NewMetrics(opts.Registerer)
	}
	d := &DirReader{dir: dir, opts: opts, files: files, from: from}
	for d.cur < len(files) {
		index, _, _ := ParseFileName(files[d.cur])
		if index >= from.Index {
			break
		}
		d.cur++
	}
	return d, nil
}

// Next returns the next payload and the position just after it. At the end
// of the last file it returns io.EOF (a torn tail there is a crash's or a
// live writer's, and is io.EOF too). A damaged frame is reported once as a
// *CorruptionError, including a torn tail of a file that is not the last
// (lost data); the next call continues after it.
func (d *DirReader) Next() (payload []byte, pos Pos, err error) {
	for d.cur < len(d.files) {
		path := d.files[d.cur]
		index, _, _ := ParseFileName(path)
		if d.r == nil {
			offset := int64(0)
			if index == d.from.Index {
				offset = d.from.Offset
			}
			d.r = NewReaderWithOptions(path, offset, d.opts)
		}
		payload, off, err := d.r.Next()
		switch {
		case err == nil:
			return payload, Pos{Index: index, Offset: off}, nil
		case !errors.Is(err, io.EOF):
			return nil, Pos{Index: index, Offset: off}, err
		}
		torn := d.r.TornTail()
		last := d.cur == len(d.files)-1
		if last {
			return nil, Pos{Index: index, Offset: off}, io.EOF
		}
		if cerr := d.r.Close(); cerr != nil {
			return nil, Pos{Index: index, Offset: off}, fmt.Errorf("binlogfile: close %s: %w", filepath.Base(path), cerr)
		}
		d.r = nil
		d.cur++
		if torn != nil {
			d.opts.Metrics.corruptionHits.Inc()
			return nil, Pos{Index: index, Offset: off}, torn
		}
	}
	return nil, d.from, io.EOF
}

// Close releases the open file.
func (d *DirReader) Close() error {
	if d.r == nil {
		return nil
	}
	err := d.r.Close()
	d.r = nil
	return err
}
