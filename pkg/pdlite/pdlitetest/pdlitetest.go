package pdlitetest

import (
	"context"
	"testing"

	"github.com/openbinlog/tidb-binlog/pkg/pdlite"
)

// Start starts pd-lite on 127.0.0.1 (free ports) with a data dir in
// t.TempDir(), and closes it in t.Cleanup.
func Start(t testing.TB) *pdlite.Server {
	t.Helper()
	return StartWithDir(t, t.TempDir())
}

// StartWithDir is Start on a given data dir (to test restarts).
func StartWithDir(t testing.TB, dir string) *pdlite.Server {
	t.Helper()
	s, err := pdlite.Start(context.Background(), Config(dir))
	if err != nil {
		t.Fatalf("start pd-lite: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Config returns a pd-lite config on 127.0.0.1 with free ports and the given data dir.
func Config(dir string) pdlite.Config {
	cfg := pdlite.DefaultConfig()
	cfg.DataDir = dir
	cfg.ClientURLs = []string{"http://127.0.0.1:0"}
	cfg.PeerURLs = []string{"http://127.0.0.1:0"}
	return cfg
}
