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
	// errKeyMismatch: the record an index entry points at is not the binlog
	// its key names (a stale entry, or damage).
	errKeyMismatch = errors.New("storage: record is not the binlog its index key names")
	// errDamagedPrewrite: the damaged record at a key still reads as the
	// prewrite of that key; its loss is reported at its commit.
	errDamagedPrewrite = errors.New("storage: damaged prewrite record")
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

// DataLossError reports a binlog that cannot be read back because its bytes
// (its record, its prewrite's record, or its index entry) are damaged. A
// pull stream ends with it after every earlier binlog was sent. Any other
// error ending a pull stream is transient (the reader may retry).
type DataLossError struct {
	// CommitTS is the commit ts of the lost binlog; for a record too
	// damaged to tell what it is, the ts of its index key.
	CommitTS int64
	StartTS  int64  // the start ts, when known (0 otherwise)
	File     string // the value-log file of the damaged record, when known
	Offset   int64  // its offset in File
	Err      error  // what is wrong
}

func (e *DataLossError) Error() string {
	return fmt.Sprintf("storage: binlog with commit ts %d (start ts %d) cannot be read back from %s at offset %d: %v",
		e.CommitTS, e.StartTS, e.File, e.Offset, e.Err)
}

// Unwrap returns the cause.
func (e *DataLossError) Unwrap() error { return e.Err }
