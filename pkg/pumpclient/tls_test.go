package pumpclient

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/security/securitytest"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// TestTLS: the client speaks TLS with its certificate to a pump that
// requires client certificates with an allowed common name.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	serverSec := securitytest.GenerateCerts(t, dir, "pump")
	serverSec.CertAllowedCN = []string{"tidb"}
	serverTLS, err := serverSec.ToTLSConfig()
	require.NoError(t, err)
	clientTLS, err := securitytest.GenerateCerts(t, dir, "tidb").ToTLSConfig()
	require.NoError(t, err)

	c := newTestCluster(t)
	f := startFakeTLSPump(t, serverTLS)
	c.setPump("pump-tls", f.addr, registry.Online)
	o := buildOptions(fastOptions(t))

	cli, err := newPumpsClient(c.pd.ClusterID(), c.reg, Range, time.Second, dialConfig{tls: clientTLS, timeout: time.Second}, o)
	require.NoError(t, err)
	defer cli.Close()
	require.NoError(t, writeTxn(cli, 5))
	require.Equal(t, 1, f.countType(binlogpb.BinlogType_Commit))

	plain, err := newPumpsClient(c.pd.ClusterID(), c.reg, Range, 300*time.Millisecond, dialConfig{timeout: time.Second}, o)
	require.NoError(t, err)
	defer plain.Close()
	require.ErrorContains(t, plain.WriteBinlog(prewrite(6)), "write binlog failed")
	require.Equal(t, 1, f.countType(binlogpb.BinlogType_Prewrite))
}
