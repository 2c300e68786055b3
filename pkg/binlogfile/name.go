package binlogfile

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

const (
	namePrefix     = "binlog-"
	datetimeFormat = "20060102150405"
	gzipSuffix     = ".tar.gz"
)

// FileName returns the name of the binlog file with the given index,
// created at t: binlog-<16-digit index>-<yyyyMMddHHmmss> (t as given; the
// writer uses local time, like the original).
func FileName(index uint64, t time.Time) string {
	return fmt.Sprintf("%s%016d-%s", namePrefix, index, t.Format(datetimeFormat))
}

// ParseFileName parses a binlog file name (a path is reduced to its base
// name first). It accepts the three generations the original wrote:
//
//	binlog-<index>                            (oldest)
//	binlog-<index>-<yyyyMMddHHmmss>           (what FileName writes)
//	binlog-<index>-<yyyyMMddHHmmss>-<ts>.tar.gz  (gzip-compressed; ts is the
//	                                          commit ts of its first binlog)
//
// and the short-lived binlog-v<version>-<index>-<yyyyMMddHHmmss>. firstTS
// is 0 when the name does not carry it.
func ParseFileName(name string) (index uint64, firstTS int64, ok bool) {
	name = filepath.Base(name)
	rest, found := strings.CutPrefix(name, namePrefix)
	if !found {
		return 0, 0, false
	}
	parts := strings.Split(rest, "-")
	if len(parts) == 3 && strings.HasPrefix(parts[0], "v") {
		parts = parts[1:]
	}
	index, err := strconv.ParseUint(parts[0], 10, 64)
	if err != nil || !allDigits(parts[0]) {
		return 0, 0, false
	}
	switch len(parts) {
	case 1:
		return index, 0, true
	case 2:
		if !isDatetime(parts[1]) {
			return 0, 0, false
		}
		return index, 0, true
	case 3:
		tsText := strings.TrimSuffix(parts[2], gzipSuffix)
		ts, err := strconv.ParseInt(tsText, 10, 64)
		if err != nil || !allDigits(tsText) || !isDatetime(parts[1]) {
			return 0, 0, false
		}
		return index, ts, true
	}
	return 0, 0, false
}

// IsCompressed reports whether the named file is gzip-compressed (the
// original's .tar.gz generation; the content is one gzip stream of frames).
func IsCompressed(name string) bool { return strings.HasSuffix(name, gzipSuffix) }

// ReadDir returns the paths (dir joined with the name) of the binlog files
// in dir, in index order. Other entries (.lock, checkpoints, .tmp files)
// are skipped. An existing directory without binlog files gives an empty
// list and no error.
func ReadDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("binlogfile: read dir: %w", err)
	}
	type named struct {
		index uint64
		name  string
	}
	var files []named
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if index, _, ok := ParseFileName(e.Name()); ok {
			files = append(files, named{index, e.Name()})
		}
	}
	slices.SortFunc(files, func(a, b named) int {
		return cmp.Or(cmp.Compare(a.index, b.index), strings.Compare(a.name, b.name))
	})
	paths := make([]string, len(files))
	for i, f := range files {
		paths[i] = filepath.Join(dir, f.name)
	}
	return paths, nil
}

func isDatetime(s string) bool { return len(s) == len(datetimeFormat) && allDigits(s) }

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
