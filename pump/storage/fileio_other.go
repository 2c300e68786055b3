//go:build !linux

package storage

import (
	"bytes"
	"errors"
	"os"
)

func fdatasync(f *os.File) error { return f.Sync() }

// fallocate is not available: the value log is appended to instead.
func fallocate(*os.File, int64, int64) error { return errors.ErrUnsupported }

// dropCache is a no-op where posix_fadvise is not available.
func dropCache(*os.File, int64, int64) error { return nil }

// writeAtv writes the concatenation of bufs at off.
func writeAtv(f *os.File, bufs [][]byte, off int64) error {
	_, err := f.WriteAt(bytes.Join(bufs, nil), off)
	return err
}
