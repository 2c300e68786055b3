//go:build integration

package tests

import (
	"context"
	"crypto/tls"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// tlsHTTPSPost POSTs to url over HTTP/1.1 with the client TLS config and
// returns the status code.
func tlsHTTPSPost(ctx context.Context, tlsCfg *tls.Config, url string) (int, error) {
	tlsCfg = tlsCfg.Clone()
	tlsCfg.NextProtos = []string{"http/1.1"}
	tr := &http.Transport{TLSClientConfig: tlsCfg}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second, Transport: tr}).Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// grpcConn is a gRPC client of addr with the TLS config cfg.
func tlsGRPCConn(t *testing.T, addr string, cfg *tls.Config) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// TestTLSCluster runs the whole chain over TLS as the original run.sh does
// (P-256 certificates, CN "binlog", cert-allowed-cn on every server): a row
// written through tidb-lite reaches MariaDB through pump and drainer (which
// reads the DDL history from tidb-lite's TLS status API, found in the
// topology). Then it checks that pd-lite, the pump, tidb-lite's status API
// and the drainer refuse a client without a certificate, a client whose CN
// is not allowed and a plain-text client. A transaction whose commit binlog
// is dropped (tidb-lite's crash switch) is resolved by the pump through
// tidb-lite's TLS status API.
func TestTLSCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startTLSCluster(ctx, t)

	up, err := sql.Open("mysql", "root@tcp("+c.tidbAddr+")/")
	require.NoError(t, err)
	defer up.Close()
	down, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/")
	require.NoError(t, err)
	defer down.Close()
	db := "tls_test_" + randomSuffix()
	t.Cleanup(func() { _, _ = down.Exec("DROP DATABASE IF EXISTS " + db) })
	for _, q := range []string{
		"CREATE DATABASE " + db,
		"CREATE TABLE " + db + ".t (id INT PRIMARY KEY, v VARCHAR(16))",
		"INSERT INTO " + db + ".t VALUES (1, 'over tls'), (2, 'binlog')",
	} {
		_, err := up.ExecContext(ctx, q)
		require.NoError(t, err, q)
	}
	q := "SELECT id, v FROM " + db + ".t ORDER BY id"
	require.Eventually(t, func() bool {
		rows := queryRows(ctx, t, down, q)
		return len(rows) == 2 && rows[0][1] == "over tls" && rows[1][1] == "binlog"
	}, 60*time.Second, 100*time.Millisecond, "the rows did not reach MariaDB")

	// A transaction whose commit binlog is lost reaches MariaDB only through
	// the pump's resolver, which asks tidb-lite's TLS status API (/mvcc/hex,
	// found in the topology) whether it committed.
	code, err := tlsHTTPSPost(ctx, tlsConfigOf(t, c.sec), "https://"+c.tidbStat+"/fault/crash?mode=after-commit")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	_, err = up.ExecContext(ctx, "INSERT INTO "+db+".t VALUES (3, 'resolved')")
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		rows := queryRows(ctx, t, down, q)
		return len(rows) == 3 && rows[2][1] == "resolved"
	}, 90*time.Second, 100*time.Millisecond, "the transaction without commit binlog was not resolved")

	noCert := tlsConfigOf(t, security.Config{SSLCA: c.sec.SSLCA})
	intruder := tlsConfigOf(t, c.intruder)
	for _, srv := range []struct {
		name, addr string
		rpc        func(context.Context, *testing.T, *tls.Config) error // a gRPC call as a client of the server
	}{
		{"pd-lite", strings.TrimPrefix(c.pdURL, "https://"), nil},
		{"pump", c.pumpAddr, func(ctx context.Context, t *testing.T, cfg *tls.Config) error {
			// What tidb-lite's pump client sends, refused before the pump reads it.
			_, err := binlogpb.NewPumpClient(tlsGRPCConn(t, c.pumpAddr, cfg)).WriteBinlog(ctx,
				&binlogpb.WriteBinlogReq{ClusterID: 1, Payload: []byte("refused")})
			return err
		}},
		{"tidb-lite status", c.tidbStat, nil},
		{"drainer", c.drnAddr, func(ctx context.Context, t *testing.T, cfg *tls.Config) error {
			_, err := binlogpb.NewCisternClient(tlsGRPCConn(t, c.drnAddr, cfg)).Notify(ctx, &binlogpb.NotifyReq{})
			return err
		}},
	} {
		t.Run(srv.name, func(t *testing.T) {
			url := "https://" + srv.addr + "/status"
			if srv.name == "pd-lite" {
				url = c.pdURL + "/health"
			}
			code, err := tlsHTTPSGet(ctx, tlsConfigOf(t, c.sec), url)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, code, "the cluster certificate is accepted")
			for _, cl := range []struct {
				name, want string
				cfg        *tls.Config
			}{
				{"no certificate", "tls: certificate required", noCert},
				{"cn not allowed", "tls: bad certificate", intruder},
			} {
				err := tlsDial(t, srv.addr, cl.cfg)
				require.ErrorContains(t, err, cl.want, cl.name)
			}
			if srv.rpc != nil {
				// The gRPC client reports the alert, or a broken pipe when
				// the server has closed before the client wrote its preface.
				for _, cfg := range []*tls.Config{noCert, intruder} {
					err := srv.rpc(ctx, t, cfg)
					require.Equal(t, codes.Unavailable, status.Code(err), "%v", err)
				}
			}
			code, err = tlsHTTPSGet(ctx, intruder, "https://"+srv.addr+"/status")
			require.Error(t, err, "status %d", code) // the alert, or a broken pipe as above
			if resp, err := http.Get("http://" + srv.addr + "/status"); err == nil {
				_ = resp.Body.Close()
				require.NotEqual(t, http.StatusOK, resp.StatusCode, "plain http is served")
			}
		})
	}
}
