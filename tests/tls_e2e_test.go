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

	"github.com/openbinlog/tidb-binlog/pkg/security"
)

// TestTLSCluster runs the whole chain over TLS as the original run.sh does
// (P-256 certificates, CN "binlog", cert-allowed-cn on every server): a row
// written through tidb-lite reaches MariaDB through pump and drainer. Then it
// checks that pd-lite, the pump and the drainer refuse a client without a
// certificate, a client whose CN is not allowed and a plain-text client.
func TestTLSCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startTLSCluster(ctx, t)

	up, err := sql.Open("mysql", "root@tcp("+c.tidb.Addr()+")/")
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

	noCert := mustTLS(t, security.Config{SSLCA: c.sec.SSLCA})
	intruder := mustTLS(t, c.intruder)
	for _, srv := range []struct{ name, addr string }{
		{"pd-lite", strings.TrimPrefix(c.pdURL, "https://")},
		{"pump", c.pumpAddr},
		{"drainer", c.drnAddr},
	} {
		t.Run(srv.name, func(t *testing.T) {
			require.NoError(t, dialRefused(t, srv.addr, mustTLS(t, c.sec)), "the cluster certificate is accepted")
			for _, cl := range []struct {
				name, want string
				cfg        *tls.Config
			}{
				{"no certificate", "tls: certificate required", noCert},
				{"cn not allowed", "tls: bad certificate", intruder},
			} {
				err := dialRefused(t, srv.addr, cl.cfg)
				require.ErrorContains(t, err, cl.want, cl.name)
			}
			code, err := httpsGet(ctx, intruder, "https://"+srv.addr+"/status")
			require.ErrorContains(t, err, "tls: bad certificate", "status %d", code)
			if resp, err := http.Get("http://" + srv.addr + "/status"); err == nil {
				_ = resp.Body.Close()
				require.NotEqual(t, http.StatusOK, resp.StatusCode, "plain http is served")
			}
		})
	}
}
