package checkpoint

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzFileLoad: any savepoint content loads or is a *CorruptError, never a panic.
func FuzzFileLoad(f *testing.F) {
	f.Add([]byte("consistent = true\ncommitTS = 470626764470878208\nschema-version = 75\n"))
	f.Add([]byte("commitTS = 0\n"))
	f.Add([]byte("commitTS = \"x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "savepoint")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		cp, err := NewFile(path, WithInitialCommitTS(7))
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("not a CorruptError: %v", err)
			}
			return
		}
		if cp.TS() == 0 {
			t.Fatal("commitTS 0 must load as the initial ts")
		}
	})
}
