package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/pkg/security/securitytest"
)

func TestSampleConfigIsTheDefaults(t *testing.T) {
	fromFile, err := load([]string{"-config", "pd-lite.toml"}, io.Discard)
	require.NoError(t, err)
	defaults, err := load(nil, io.Discard)
	require.NoError(t, err)
	fromFile.configFile = ""
	require.Empty(t, fromFile.Security.CertAllowedCN)
	fromFile.Security.CertAllowedCN = nil
	require.Equal(t, defaults, fromFile)
	def := pdlite.DefaultConfig()
	require.Equal(t, def.Name, fromFile.Name)
	require.Equal(t, def.DataDir, fromFile.DataDir)
}

func TestConfigFileSecurityAndFlags(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "pd-lite.toml")
	require.NoError(t, os.WriteFile(conf, []byte(`
name = "pd-1"
client-urls = "https://127.0.0.1:2379"
[security]
ssl-ca = "/file/ca.pem"
ssl-cert = "/file/pd.pem"
ssl-key = "/file/pd-key.pem"
cert-allowed-cn = ["binlog"]
`), 0o600))
	o, err := load([]string{"-config", conf, "-cert", "/flag/pd.pem", "-name", "pd-2"}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "pd-2", o.Name)
	require.Equal(t, "https://127.0.0.1:2379", o.ClientURLs)
	require.Equal(t, security.Config{
		SSLCA: "/file/ca.pem", SSLCert: "/flag/pd.pem", SSLKey: "/file/pd-key.pem", CertAllowedCN: []string{"binlog"},
	}, o.Security)

	require.NoError(t, os.WriteFile(conf, []byte("[security]\nssl-capath = \"x\"\n"), 0o600))
	var errOut strings.Builder
	require.Equal(t, 2, run([]string{"-config", conf}, io.Discard, &errOut))
	require.Contains(t, errOut.String(), "ssl-capath")
}

func TestBinaryTLS(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	server := securitytest.GenerateCerts(t, dir, "pd")
	client := securitytest.GenerateCerts(t, dir, "binlog")
	intruder := securitytest.GenerateCerts(t, dir, "intruder")
	conf := filepath.Join(dir, "pd-lite.toml")
	require.NoError(t, os.WriteFile(conf, []byte("[security]\ncert-allowed-cn = [\"binlog\"]\n"), 0o600))
	url := "https://" + freeAddr(t)
	p := startProc(t, bin, "-config", conf, "-data-dir", filepath.Join(dir, "pd"), "-client-urls", url,
		"-peer-urls", "http://"+freeAddr(t), "-cacert", server.SSLCA, "-cert", server.SSLCert, "-key", server.SSLKey, "-L", "warn")
	p.waitServing(t, time.Now())
	require.Contains(t, p.stderr.String(), "pd-lite serving at "+url)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pd.NewClient(ctx, []string{url}, client, zap.NewNop())
	require.NoError(t, err)
	ts, err := c.TSO(ctx)
	require.NoError(t, err)
	require.NotZero(t, ts)
	c.Close()

	for name, sec := range map[string]security.Config{
		"no certificate": {SSLCA: server.SSLCA}, "cn not allowed": intruder,
	} {
		tlsCfg, err := sec.ToTLSConfig()
		require.NoError(t, err)
		cli, err := clientv3.New(clientv3.Config{Endpoints: []string{url}, TLS: tlsCfg, DialTimeout: time.Second, Logger: zap.NewNop()})
		require.NoError(t, err)
		pctx, pcancel := context.WithTimeout(ctx, time.Second)
		_, err = cli.Put(pctx, "/k", "v")
		pcancel()
		require.Error(t, err, name)
		require.NoError(t, cli.Close())
	}

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	require.Equal(t, 0, p.wait(t), "stderr:\n%s", p.stderr.String())
}

func TestBinaryTLSConfigError(t *testing.T) {
	bin := binary(t)
	p := startProc(t, bin, "-data-dir", t.TempDir(), "-client-urls", "https://127.0.0.1:0", "-peer-urls", "http://127.0.0.1:0")
	require.Equal(t, 1, p.wait(t))
	require.Contains(t, p.stderr.String(), "https client urls need ssl-ca, ssl-cert and ssl-key")
}
