//go:build !unix

package pdlite

import (
	"os"
	"path/filepath"
)

const lockFile = "pd-lite.lock"

// lockDir only creates the lock file on platforms without flock.
func lockDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
}
