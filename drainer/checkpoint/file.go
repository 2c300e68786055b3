package checkpoint

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/BurntSushi/toml"
)

// fileState is the TOML of the savepoint file.
type fileState struct {
	Consistent bool  `toml:"consistent"`
	CommitTS   int64 `toml:"commitTS"`
	Version    int64 `toml:"schema-version"`
}

// File is a checkpoint stored in a TOML file (<data-dir>/savepoint).
type File struct {
	path      string
	initialTS int64

	mu     sync.RWMutex
	closed bool
	st     fileState
}

var _ CheckPoint = (*File)(nil)

// FileOption changes a File checkpoint.
type FileOption func(*File)

// WithInitialCommitTS sets TS() for a missing file or a commit ts of 0.
func WithInitialCommitTS(ts int64) FileOption {
	return func(f *File) { f.initialTS = ts }
}

// NewFile loads the checkpoint at path (a missing file is no checkpoint).
func NewFile(path string, opts ...FileOption) (*File, error) {
	f := &File{path: path}
	for _, o := range opts {
		o(f)
	}
	if err := f.Load(); err != nil {
		return nil, err
	}
	return f, nil
}

// Load implements CheckPoint.
func (f *File) Load() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return ErrClosed
	}
	var st fileState
	b, err := os.ReadFile(f.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return &CorruptError{Source: f.path, Err: err}
	default:
		// Unknown keys are ignored: older tools wrote extra lines.
		if _, err := toml.Decode(string(b), &st); err != nil {
			return &CorruptError{Source: f.path, Err: err}
		}
	}
	if st.CommitTS == 0 {
		st.CommitTS = f.initialTS
	}
	f.st = st
	return nil
}

// Save implements CheckPoint; secondaryTS is not stored in a file checkpoint.
func (f *File) Save(ts, _ int64, consistent bool, version int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return ErrClosed
	}
	st := fileState{Consistent: consistent, CommitTS: ts, Version: max(f.st.Version, version)}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(st); err != nil {
		return fmt.Errorf("checkpoint: encode savepoint: %w", err)
	}
	if err := writeFileAtomic(f.path, buf.Bytes()); err != nil {
		return fmt.Errorf("checkpoint: save commitTS %d: %w", ts, err)
	}
	f.st = st
	return nil
}

// TS implements CheckPoint.
func (f *File) TS() int64 {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.st.CommitTS
}

// SchemaVersion implements CheckPoint.
func (f *File) SchemaVersion() int64 {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.st.Version
}

// IsConsistent implements CheckPoint.
func (f *File) IsConsistent() bool {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.st.Consistent
}

// Close implements CheckPoint.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

// writeFileAtomic replaces path with data: a synced temp file in the same
// directory renamed over it, then the directory synced.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }()
	return d.Sync()
}
