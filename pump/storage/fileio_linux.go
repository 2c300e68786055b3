package storage

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// fdatasync flushes the file's data (and the metadata needed to read it).
func fdatasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }

// fallocate allocates [off, off+n) of f, extending its size; the new bytes
// read as zeros.
func fallocate(f *os.File, off, n int64) error {
	if err := unix.Fallocate(int(f.Fd()), 0, off, n); err != nil {
		return fmt.Errorf("fallocate: %w", err)
	}
	return nil
}

// dropCache tells the kernel that the (synced) pages of [off, off+n) will not
// be read soon, so that they are freed now and reused by the next writes.
func dropCache(f *os.File, off, n int64) error {
	if err := unix.Fadvise(int(f.Fd()), off, n, unix.FADV_DONTNEED); err != nil {
		return fmt.Errorf("fadvise: %w", err)
	}
	return nil
}
