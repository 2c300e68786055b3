package storage

import (
	"errors"
	"fmt"
)

// Sentinel errors of the storage engine.
var (
	// ErrClosed is returned by calls on a closed Append.
	ErrClosed = errors.New("storage: closed")
	// ErrLocked is returned by Open when another process (or Append) holds
	// the directory lock.
	ErrLocked = errors.New("storage: data directory is locked by another pump")
	// ErrNoAvailableSpace rejects real binlogs when the disk is nearly full.
	ErrNoAvailableSpace = errors.New("storage: no available space")
	// ErrNotFound is returned by ReadBinlog for a missing key.
	ErrNotFound = errors.New("storage: not found")
)

// Record decoding failures, wrapped in a CorruptionError.
var (
	errBadMagic     = errors.New("storage: bad record magic")
	errTruncated    = errors.New("storage: truncated record")
	errBadChecksum  = errors.New("storage: record checksum mismatch")
	errFileNotFound = errors.New("storage: value log file not found")
)

// CorruptionError reports a damaged record in a value-log file.
type CorruptionError struct {
	File   string // path of the value-log file
	Offset int64  // offset of the damaged record
	Err    error  // what is wrong (bad magic, checksum, truncation)
}

func (e *CorruptionError) Error() string {
	return fmt.Sprintf("storage: corrupt record in %s at offset %d: %v", e.File, e.Offset, e.Err)
}

// Unwrap returns the cause.
func (e *CorruptionError) Unwrap() error { return e.Err }
