package binlogfile

import (
	"errors"
	"fmt"
)

// Sentinel errors of the package.
var (
	// ErrLocked is returned by OpenBinlogger when another Binlogger (in this
	// or another process) holds the directory lock.
	ErrLocked = errors.New("binlogfile: directory is locked by another writer")
	// ErrClosed is returned by calls on a closed Binlogger.
	ErrClosed = errors.New("binlogfile: closed")
	// ErrNoSpace wraps a write that failed because the disk is full
	// (ENOSPC or EDQUOT); the file is left as it was before the write.
	ErrNoSpace = errors.New("binlogfile: no space left on device")
	// ErrBadFileName is returned for a name that is not a binlog file name.
	ErrBadFileName = errors.New("binlogfile: bad binlog file name")
)

// Causes carried by a CorruptionError.
var (
	// ErrMagicMismatch: the bytes at the offset do not start a frame.
	ErrMagicMismatch = errors.New("binlogfile: magic mismatch")
	// ErrCRCMismatch: the payload does not match its checksum.
	ErrCRCMismatch = errors.New("binlogfile: crc mismatch")
	// ErrTruncated: the frame extends beyond the end of the file.
	ErrTruncated = errors.New("binlogfile: truncated frame")
)

// CorruptionError reports a damaged frame.
type CorruptionError struct {
	File   string // path of the binlog file
	Offset int64  // offset of the damaged frame
	Err    error  // ErrMagicMismatch, ErrCRCMismatch or ErrTruncated
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("binlogfile: corrupt frame in %s at offset %d: %v", e.File, e.Offset, e.Err)
}

// Unwrap returns the cause.
func (e *CorruptionError) Unwrap() error { return e.Err }
