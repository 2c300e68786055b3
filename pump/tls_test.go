package pump

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/openbinlog/tidb-binlog/pkg/security/securitytest"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// TestTLSSharedPort checks that with [security] set the port speaks TLS
// first and cmux then splits gRPC from HTTP inside it.
func TestTLSSharedPort(t *testing.T) {
	c := newCluster(t)
	dir := t.TempDir()
	serverSec := securitytest.GenerateCerts(t, dir, "pump")
	clientSec := securitytest.GenerateCerts(t, dir, "client")
	serverTLS, err := serverSec.ToTLSConfig()
	require.NoError(t, err)
	clientTLS, err := clientSec.ToTLSConfig()
	require.NoError(t, err)

	// pd-lite speaks plain HTTP: only the pump's own port uses TLS here.
	s := newPump(t, c.config(t, dataDir(t), "pump-1"))
	s.tlsCfg = serverTLS
	require.NoError(t, s.Start())

	conn, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(credentials.NewTLS(clientTLS.Clone())))
	require.NoError(t, err)
	defer conn.Close()
	cli := binlogpb.NewPumpClient(conn)
	_, err = cli.WriteBinlog(context.Background(), &binlogpb.WriteBinlogReq{ClusterID: s.ClusterID()})
	require.NoError(t, err)

	for _, h2 := range []bool{false, true} {
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: clientTLS.Clone(), ForceAttemptHTTP2: h2}}
		resp, err := hc.Get("https://" + s.Addr() + "/status")
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Contains(t, string(body), `"pump-1"`)
		require.Equal(t, h2, resp.ProtoMajor == 2, "HTTP/2: %v", h2)
		hc.CloseIdleConnections()
	}

	// Plain HTTP is refused.
	plain := &http.Client{Transport: &http.Transport{}}
	defer plain.CloseIdleConnections()
	if resp, err := plain.Get("http://" + s.Addr() + "/status"); err == nil {
		require.NotEqual(t, http.StatusOK, resp.StatusCode)
		_ = resp.Body.Close()
	}
}
