package tidblite

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/pkg/security/securitytest"
)

// tlsGet GETs url with a client of sec and returns the status and body.
func tlsGet(t *testing.T, sec security.Config, url string) (int, []byte, error) {
	t.Helper()
	cfg, err := sec.ToTLSConfig()
	require.NoError(t, err)
	tr := &http.Transport{TLSClientConfig: cfg}
	defer tr.CloseIdleConnections()
	cl := &http.Client{Timeout: 10 * time.Second, Transport: tr}
	resp, err := cl.Get(url)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func TestStatusTLS(t *testing.T) {
	dir := t.TempDir()
	sec := securitytest.GenerateCerts(t, dir, "binlog")
	sec.CertAllowedCN = []string{"binlog"}
	intruder := securitytest.GenerateCerts(t, dir, "intruder")
	s := startStandalone(t, func(c *Config) { c.Security = sec })
	require.True(t, strings.HasPrefix(s.StatusURL(), "https://"), s.StatusURL())

	code, body, err := tlsGet(t, sec, s.StatusURL()+"/status")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, string(body))

	_, _, err = tlsGet(t, security.Config{SSLCA: sec.SSLCA}, s.StatusURL()+"/status")
	require.Error(t, err, "a client without a certificate")
	_, _, err = tlsGet(t, intruder, s.StatusURL()+"/status")
	require.Error(t, err, "a client whose CN is not allowed")
	if resp, err := http.Get("http://" + s.StatusAddr() + "/status"); err == nil {
		_ = resp.Body.Close()
		require.NotEqual(t, http.StatusOK, resp.StatusCode, "plain http is served")
	}
}

func TestStatusTLSNeedsCertificate(t *testing.T) {
	sec := securitytest.GenerateCerts(t, t.TempDir(), "binlog")
	cfg := DefaultConfig()
	cfg.Addr, cfg.StatusAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.Security = security.Config{SSLCA: sec.SSLCA}
	_, err := Start(context.Background(), cfg)
	require.ErrorIs(t, err, ErrNoStatusCert)
}

// TestStatusTLSTopology checks that the topology a TLS tidb-lite registers
// leads a TLS client (as the drainer and the pump resolver build their URLs:
// the topology's URL upgraded to https) to its DDL history.
func TestStatusTLSTopology(t *testing.T) {
	sec := securitytest.GenerateCerts(t, t.TempDir(), "binlog")
	pd := pdlitetest.StartTLS(t, sec)
	s := startStandalone(t, func(c *Config) {
		c.PDURLs = []string{pd.ClientURL()}
		c.Security = sec
	})
	mustExec(t, openDB(t, s, ""), "CREATE DATABASE tlsdb")

	tlsCfg, err := sec.ToTLSConfig()
	require.NoError(t, err)
	cli, err := registry.NewEtcdClient([]string{pd.ClientURL()}, tlsCfg, nil)
	require.NoError(t, err)
	defer cli.Close()
	insts, err := registry.New(cli, nil).TiDBInstances(context.Background())
	require.NoError(t, err)
	require.Len(t, insts, 1)
	urls, err := registry.NormalizeURLs([]string{insts[0].StatusURL}, true)
	require.NoError(t, err)
	require.Equal(t, []string{s.StatusURL()}, urls)

	code, body, err := tlsGet(t, sec, urls[0]+"/ddl/history")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, string(body))
	var js []*model.Job
	require.NoError(t, json.Unmarshal(body, &js))
	require.NotEmpty(t, js)
	require.Equal(t, "CREATE DATABASE tlsdb", js[len(js)-1].Query)
}
