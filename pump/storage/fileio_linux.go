package storage

import (
	"errors"
	"fmt"
	"io"
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

// iovMax is the most buffers one pwritev takes (IOV_MAX).
const iovMax = 1024

// writeAtv writes the concatenation of bufs at off with pwritev, without
// joining them first; a short write goes on where it stopped. It consumes
// bufs (its elements are resliced).
func writeAtv(f *os.File, bufs [][]byte, off int64) error {
	fd := int(f.Fd())
	for {
		for len(bufs) > 0 && len(bufs[0]) == 0 {
			bufs = bufs[1:]
		}
		if len(bufs) == 0 {
			return nil
		}
		chunk := bufs[:min(len(bufs), iovMax)]
		n, err := unix.Pwritev(fd, chunk, off)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return &os.PathError{Op: "pwritev", Path: f.Name(), Err: err}
		}
		if n == 0 {
			return &os.PathError{Op: "pwritev", Path: f.Name(), Err: io.ErrShortWrite}
		}
		off += int64(n)
		for n > 0 && len(bufs) > 0 {
			if n < len(bufs[0]) {
				bufs[0] = bufs[0][n:]
				break
			}
			n -= len(bufs[0])
			bufs = bufs[1:]
		}
	}
}
