package pdlitetest

import (
	"context"
	"testing"

	"github.com/openbinlog/tidb-binlog/pkg/pdlite"
	"github.com/openbinlog/tidb-binlog/pkg/security"
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

// StartTLS is Start with TLS on the client URL (https): sec needs ssl-ca,
// ssl-cert and ssl-key (securitytest.GenerateCerts writes them), and its
// cert-allowed-cn, when set, restricts the clients' common names.
func StartTLS(t testing.TB, sec security.Config) *pdlite.Server {
	t.Helper()
	cfg := Config(t.TempDir())
	cfg.ClientURLs = []string{"https://127.0.0.1:0"}
	cfg.Security = sec
	s, err := pdlite.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start pd-lite with TLS: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
