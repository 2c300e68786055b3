package security_test

import (
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/pkg/security/securitytest"
)

// echoOnce accepts one conn on ln, reads a byte and writes it back.
func echoOnce(ln net.Listener) <-chan error {
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		b := make([]byte, 1)
		if _, err = io.ReadFull(c, b); err == nil {
			_, err = c.Write(b)
		}
		done <- err
	}()
	return done
}

func TestListenerLogsRefusedClients(t *testing.T) {
	dir := t.TempDir()
	server := securitytest.GenerateCerts(t, dir, "server")
	server.CertAllowedCN = []string{"binlog"}
	binlog := tlsConfig(t, securitytest.GenerateCerts(t, dir, "binlog"))
	for _, tc := range []struct {
		name   string
		client *tls.Config // nil: plain TCP that writes a line of text
		log    string      // "" means accepted and not logged
	}{
		{"allowed", binlog, ""},
		{"no certificate", tlsConfig(t, security.Config{SSLCA: server.SSLCA}), "tls: client didn't provide a certificate"},
		{"cn not allowed", tlsConfig(t, securitytest.GenerateCerts(t, dir, "intruder")),
			`security: client certificate common name not allowed: "intruder"`},
		{"plain text", nil, "tls: first record does not look like a TLS handshake"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.WarnLevel)
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			ln := security.NewListener(inner, tlsConfig(t, server), zap.New(core))
			defer ln.Close()
			done := echoOnce(ln)

			var clientErr error
			if tc.client == nil {
				var c net.Conn
				c, clientErr = net.Dial("tcp", ln.Addr().String())
				require.NoError(t, clientErr)
				_, _ = c.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
				_, clientErr = io.ReadAll(c)
				c.Close()
			} else {
				var c *tls.Conn
				c, clientErr = tls.Dial("tcp", ln.Addr().String(), tc.client)
				if clientErr == nil {
					_ = c.SetDeadline(time.Now().Add(10 * time.Second))
					if _, clientErr = c.Write([]byte{7}); clientErr == nil {
						_, clientErr = io.ReadFull(c, make([]byte, 1))
					}
					c.Close()
				}
			}
			serverErr := <-done
			if tc.log == "" {
				require.NoError(t, clientErr)
				require.NoError(t, serverErr)
				require.Zero(t, logs.Len())
				return
			}
			require.Error(t, serverErr)
			require.Equal(t, 1, logs.Len())
			entry := logs.All()[0]
			require.Equal(t, "refused TLS client", entry.Message)
			require.Contains(t, entry.ContextMap()["error"], tc.log)
			require.NotEmpty(t, entry.ContextMap()["remoteAddr"])
		})
	}
}

func TestListenerClientClosingIsNotLogged(t *testing.T) {
	dir := t.TempDir()
	server := securitytest.GenerateCerts(t, dir, "server")
	core, logs := observer.New(zapcore.WarnLevel)
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ln := security.NewListener(inner, tlsConfig(t, server), zap.New(core))
	defer ln.Close()
	done := echoOnce(ln)
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	require.NoError(t, c.Close())
	require.Error(t, <-done)
	require.Zero(t, logs.Len())
	require.NotNil(t, security.NewListener(inner, nil, nil), "nil logger is allowed")
}
