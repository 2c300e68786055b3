package pdlite_test

import (
	"context"
	"crypto/tls"
	"path/filepath"
	"testing"
	"time"

	"github.com/pingcap/kvproto/pkg/pdpb"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/pkg/security/securitytest"
)

// tlsEtcdPut dials url with tlsCfg and puts a key within timeout.
func tlsEtcdPut(t *testing.T, url string, tlsCfg *tls.Config, timeout time.Duration) error {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{
		Endpoints: []string{url}, TLS: tlsCfg, DialTimeout: timeout, Logger: zap.NewNop(),
	})
	require.NoError(t, err)
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, err = cli.Put(ctx, "/tls-test", "v")
	return err
}

func mustTLS(t *testing.T, c security.Config) *tls.Config {
	t.Helper()
	cfg, err := c.ToTLSConfig()
	require.NoError(t, err)
	return cfg
}

func TestTLSServesEtcdAndPD(t *testing.T) {
	dir := t.TempDir()
	server := securitytest.GenerateCerts(t, dir, "pd")
	server.CertAllowedCN = []string{"binlog"}
	client := securitytest.GenerateCerts(t, dir, "binlog")
	s := pdlitetest.StartTLS(t, server)
	require.Regexp(t, `^https://127\.0\.0\.1:[1-9][0-9]*$`, s.ClientURL())

	require.NoError(t, tlsEtcdPut(t, s.ClientURL(), mustTLS(t, client), 5*time.Second))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pdc, err := pd.NewClient(ctx, []string{s.ClientURL()}, client, zap.NewNop())
	require.NoError(t, err)
	defer pdc.Close()
	require.Equal(t, s.ClusterID(), pdc.ClusterID())
	ts1, err := pdc.TSO(ctx)
	require.NoError(t, err)
	ts2, err := pdc.TSO(ctx)
	require.NoError(t, err)
	require.Greater(t, ts2, ts1)

	// The raw PD service answers on the same URL with the same TLS.
	conn, err := grpc.NewClient(s.ClientURL()[len("https://"):],
		grpc.WithTransportCredentials(credentials.NewTLS(mustTLS(t, client))))
	require.NoError(t, err)
	defer conn.Close()
	members, err := pdpb.NewPDClient(conn).GetMembers(ctx, &pdpb.GetMembersRequest{})
	require.NoError(t, err)
	require.Equal(t, []string{s.ClientURL()}, members.Leader.ClientUrls)
}

func TestTLSRefusesClients(t *testing.T) {
	dir := t.TempDir()
	server := securitytest.GenerateCerts(t, dir, "pd")
	server.CertAllowedCN = []string{"binlog"}
	intruder := securitytest.GenerateCerts(t, dir, "intruder")
	otherCA := securitytest.GenerateCerts(t, t.TempDir(), "binlog")
	s := pdlitetest.StartTLS(t, server)

	for _, tc := range []struct {
		name string
		tls  *tls.Config
	}{
		{"no client certificate", mustTLS(t, security.Config{SSLCA: server.SSLCA})},
		{"common name not allowed", mustTLS(t, intruder)},
		{"certificate from another CA", &tls.Config{
			RootCAs: mustTLS(t, server).RootCAs, Certificates: mustTLS(t, otherCA).Certificates,
			MinVersion: tls.VersionTLS12,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tlsEtcdPut(t, s.ClientURL(), tc.tls, time.Second)
			require.Error(t, err)

			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			conn, err := grpc.NewClient(s.ClientURL()[len("https://"):], grpc.WithTransportCredentials(credentials.NewTLS(tc.tls)))
			require.NoError(t, err)
			defer conn.Close()
			_, err = pdpb.NewPDClient(conn).GetMembers(ctx, &pdpb.GetMembersRequest{})
			require.Error(t, err)
		})
	}
	t.Run("plain http", func(t *testing.T) {
		err := tlsEtcdPut(t, "http://"+s.ClientURL()[len("https://"):], nil, time.Second)
		require.Error(t, err)
	})
}

func TestTLSConfigErrors(t *testing.T) {
	dir := t.TempDir()
	sec := securitytest.GenerateCerts(t, dir, "pd")
	for _, tc := range []struct {
		name    string
		urls    []string
		sec     security.Config
		message string
	}{
		{"https without security", []string{"https://127.0.0.1:0"}, security.Config{}, "need ssl-ca"},
		{"http with security", []string{"http://127.0.0.1:0"}, sec, "must be https"},
		{"mixed", []string{"https://127.0.0.1:0", "http://127.0.0.1:0"}, sec, "must be https"},
		{"no server cert", []string{"https://127.0.0.1:0"}, security.Config{SSLCA: sec.SSLCA}, "ssl-cert and ssl-key"},
		{"cert without ca", []string{"http://127.0.0.1:0"}, security.Config{SSLCert: sec.SSLCert, SSLKey: sec.SSLKey}, "need ssl-ca"},
		{"missing ca file", []string{"https://127.0.0.1:0"},
			security.Config{SSLCA: filepath.Join(dir, "missing.pem"), SSLCert: sec.SSLCert, SSLKey: sec.SSLKey}, "missing.pem"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := pdlitetest.Config(t.TempDir())
			cfg.ClientURLs, cfg.Security = tc.urls, tc.sec
			s, err := pdlite.Start(context.Background(), cfg)
			require.Error(t, err)
			require.Nil(t, s)
			require.ErrorContains(t, err, tc.message)
		})
	}
}
