package security_test

import (
	"crypto/tls"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/pkg/security/securitytest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDisabled(t *testing.T) {
	var c security.Config
	require.False(t, c.Enabled())
	cfg, err := c.ToTLSConfig()
	require.NoError(t, err)
	require.Nil(t, cfg)
	require.NoError(t, c.Validate())
}

func TestToTLSConfig(t *testing.T) {
	dir := t.TempDir()
	c := securitytest.GenerateCerts(t, dir, "pump")
	require.True(t, c.Enabled())
	cfg, err := c.ToTLSConfig()
	require.NoError(t, err)
	require.Len(t, cfg.Certificates, 1)
	require.NotNil(t, cfg.RootCAs)
	require.Equal(t, tls.RequireAndVerifyClientCert, cfg.ClientAuth)
	require.Nil(t, cfg.VerifyPeerCertificate)
	require.Nil(t, cfg.GetConfigForClient)

	caOnly := security.Config{SSLCA: c.SSLCA}
	cfg, err = caOnly.ToTLSConfig()
	require.NoError(t, err)
	require.Empty(t, cfg.Certificates)
}

func TestToTLSConfigErrors(t *testing.T) {
	dir := t.TempDir()
	a := securitytest.GenerateCerts(t, dir, "a")
	b := securitytest.GenerateCerts(t, dir, "b")
	garbage := filepath.Join(dir, "garbage.pem")
	require.NoError(t, os.WriteFile(garbage, []byte("-----BEGIN NOTHING-----\nnope\n"), 0o600))
	missing := filepath.Join(dir, "missing.pem")

	for _, tc := range []struct {
		name string
		cfg  security.Config
		is   error  // optional
		msg  string // substring of the error
	}{
		{"cert without ca", security.Config{SSLCert: a.SSLCert, SSLKey: a.SSLKey}, nil, "need ssl-ca"},
		{"cert without key", security.Config{SSLCA: a.SSLCA, SSLCert: a.SSLCert}, nil, "set together"},
		{"key without cert", security.Config{SSLCA: a.SSLCA, SSLKey: a.SSLKey}, nil, "set together"},
		{"missing ca", security.Config{SSLCA: missing}, fs.ErrNotExist, missing},
		{"garbage ca", security.Config{SSLCA: garbage}, nil, garbage},
		{"key as ca", security.Config{SSLCA: a.SSLKey}, nil, "no PEM certificate"},
		{"missing cert", security.Config{SSLCA: a.SSLCA, SSLCert: missing, SSLKey: a.SSLKey}, fs.ErrNotExist, missing},
		{"garbage cert", security.Config{SSLCA: a.SSLCA, SSLCert: garbage, SSLKey: a.SSLKey}, nil, garbage},
		{"garbage key", security.Config{SSLCA: a.SSLCA, SSLCert: a.SSLCert, SSLKey: garbage}, nil, garbage},
		{"cert/key mismatch", security.Config{SSLCA: a.SSLCA, SSLCert: a.SSLCert, SSLKey: b.SSLKey}, nil, "does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := tc.cfg.ToTLSConfig()
			require.Error(t, err)
			require.Nil(t, cfg)
			require.ErrorContains(t, err, tc.msg)
			if tc.is != nil {
				require.ErrorIs(t, err, tc.is)
			}
			require.Error(t, tc.cfg.Validate())
		})
	}
}

// handshake runs one TLS handshake over loopback and returns both sides'
// errors. The server writes a byte after its handshake so that a client
// rejected late (TLS 1.3 checks the client certificate after the client's
// handshake returns) sees the failure on read.
func handshake(t *testing.T, server, client *tls.Config) (serverErr, clientErr error) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", server)
	require.NoError(t, err)
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		err = conn.(*tls.Conn).Handshake()
		if err == nil {
			_, err = conn.Write([]byte{1})
		}
		done <- err
	}()
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	conn, clientErr := tls.DialWithDialer(dialer, "tcp", ln.Addr().String(), client)
	if clientErr == nil {
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		_, clientErr = io.ReadFull(conn, make([]byte, 1))
		conn.Close()
	}
	return <-done, clientErr
}

func tlsConfig(t *testing.T, c security.Config) *tls.Config {
	t.Helper()
	cfg, err := c.ToTLSConfig()
	require.NoError(t, err)
	return cfg
}

func TestHandshake(t *testing.T) {
	dir := t.TempDir()
	server := securitytest.GenerateCerts(t, dir, "server")
	drainer := tlsConfig(t, securitytest.GenerateCerts(t, dir, "drainer"))
	intruder := tlsConfig(t, securitytest.GenerateCerts(t, dir, "intruder"))
	noCert := tlsConfig(t, security.Config{SSLCA: server.SSLCA})
	otherCA := tlsConfig(t, securitytest.GenerateCerts(t, t.TempDir(), "drainer"))

	allowed := server
	allowed.CertAllowedCN = []string{"tidb", "drainer"}
	allowedDrainer := securitytest.GenerateCerts(t, dir, "drainer")
	allowedDrainer.CertAllowedCN = []string{"tidb"}
	for _, tc := range []struct {
		name    string
		server  security.Config
		client  *tls.Config
		ok      bool
		cnError bool
	}{
		{"no allow-list", server, intruder, true, false},
		{"allowed cn", allowed, drainer, true, false},
		{"cn not allowed", allowed, intruder, false, true},
		{"no client cert", allowed, noCert, false, false},
		{"no client cert without allow-list", server, noCert, false, false},
		{"client from another ca", server, otherCA, false, false},
		// A config with an allow-list still dials servers whose CN is not in
		// it (a pump with cert-allowed-cn=["tidb"] talking to PD).
		{"allow-list does not apply when dialing", server, tlsConfig(t, allowedDrainer), true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			serverErr, clientErr := handshake(t, tlsConfig(t, tc.server), tc.client)
			if tc.ok {
				require.NoError(t, serverErr)
				require.NoError(t, clientErr)
				return
			}
			require.Error(t, serverErr)
			require.Error(t, clientErr)
			if tc.cnError {
				require.ErrorIs(t, serverErr, security.ErrCNNotAllowed)
				require.ErrorContains(t, serverErr, `"intruder"`)
			}
		})
	}
}
