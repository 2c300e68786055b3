package binlogfile

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"go.uber.org/zap"
)

// GC removes the files of the directory whose modification time is older
// than retention, never the newest file nor the one being written. A
// retention of 0 or less removes nothing (the file sink's retention-time =
// 0). It returns the removed paths; a file that cannot be removed is logged
// and reported in the error.
func (b *Binlogger) GC(retention time.Duration) ([]string, error) {
	if retention <= 0 {
		return nil, nil
	}
	deadline := time.Now().Add(-retention)
	return b.removeOld(func(_ uint64, fi os.FileInfo) bool { return fi.ModTime().Before(deadline) })
}

// GCBefore removes the files whose index is below index (never the newest
// file nor the one being written): what a relay log does once everything
// before a position is applied.
func (b *Binlogger) GCBefore(index uint64) ([]string, error) {
	return b.removeOld(func(i uint64, _ os.FileInfo) bool { return i < index })
}

func (b *Binlogger) removeOld(old func(index uint64, fi os.FileInfo) bool) ([]string, error) {
	b.mu.Lock()
	current := ""
	if b.f != nil {
		current = filepath.Base(b.f.Name())
	}
	b.mu.Unlock()
	files, err := ReadDir(b.dir)
	if err != nil || len(files) == 0 {
		return nil, err
	}
	var removed []string
	var firstErr error
	for _, path := range files[:len(files)-1] {
		if filepath.Base(path) == current {
			continue
		}
		fi, err := os.Stat(path)
		if err != nil {
			continue // removed meanwhile
		}
		index, _, _ := ParseFileName(path)
		if !old(index, fi) {
			continue
		}
		if err := os.Remove(path); err != nil {
			b.lg.Error("remove old binlog file", zap.String("file", path), zap.Error(err))
			if firstErr == nil {
				firstErr = fmt.Errorf("binlogfile: remove %s: %w", path, err)
			}
			continue
		}
		b.lg.Info("old binlog file removed", zap.String("file", path), zap.Time("modTime", fi.ModTime()))
		removed = append(removed, path)
	}
	return removed, firstErr
}
