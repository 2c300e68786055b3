package collector

import (
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/security/securitytest"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

func TestTLS(t *testing.T) {
	dir := t.TempDir()
	serverTLS, err := securitytest.GenerateCerts(t, dir, "pump").ToTLSConfig()
	require.NoError(t, err)
	clientTLS, err := securitytest.GenerateCerts(t, dir, "drainer").ToTLSConfig()
	require.NoError(t, err)
	a := startFakePump(t, grpc.Creds(credentials.NewTLS(serverTLS)))
	a.add(10, 20)
	reg := newMemRegistry()
	reg.set("a", a.addr, registry.Online)

	plain := runCollector(t, Config{}, reg)
	require.Never(t, func() bool { return len(plain.output()) > 0 }, 300*time.Millisecond, tick)
	require.NoError(t, plain.stop(t))

	h := runCollector(t, Config{TLS: clientTLS}, reg)
	h.waitOutput(t, 10, 20)
}
