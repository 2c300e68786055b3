package checkpoint

import (
	"errors"
	"fmt"
)

// CheckPoint is the drainer's saved progress.
type CheckPoint interface {
	// Load reads the stored checkpoint (again).
	Load() error
	// Save stores ts (the last commit ts written downstream), the downstream
	// ts matching it (0 when unknown), whether the downstream is consistent,
	// and the schema version (kept if smaller than the stored one).
	Save(ts, secondaryTS int64, consistent bool, version int64) error
	// TS is the saved commit ts, or the initial commit ts when none was saved.
	TS() int64
	// SchemaVersion is the saved schema version.
	SchemaVersion() int64
	// IsConsistent reports whether the downstream was saved as consistent.
	IsConsistent() bool
	// Close makes further Load and Save calls fail with ErrClosed.
	Close() error
}

// Sentinel errors.
var (
	// ErrClosed is returned by Load and Save after Close.
	ErrClosed = errors.New("checkpoint: closed")
	// ErrNoClusterID: the cluster id is unknown and the checkpoint table has
	// no row to take it from.
	ErrNoClusterID = errors.New("checkpoint: cluster id unknown and no checkpoint row")
	// ErrManyClusterIDs: the cluster id is unknown and the checkpoint table
	// holds rows of more than one cluster.
	ErrManyClusterIDs = errors.New("checkpoint: cluster id unknown and more than one cluster in the checkpoint table")
)

// CorruptError reports a checkpoint that exists but cannot be decoded.
type CorruptError struct {
	Source string // the file path or the table and cluster id
	Err    error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("checkpoint: corrupt checkpoint at %s: %v", e.Source, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// tsMap keys, as in the original.
const (
	primaryTSKey   = "primary-ts"
	secondaryTSKey = "secondary-ts"
)
