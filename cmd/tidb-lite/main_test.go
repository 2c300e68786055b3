package main

import (
	"bytes"
	"context"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/tidblite"

	"github.com/openbinlog/tidb-binlog/pkg/testutil"
)

func TestREADMEFlagTableMatchesFlagSet(t *testing.T) {
	fs := flag.NewFlagSet("tidb-lite", flag.ContinueOnError)
	addFlags(fs, &options{})
	testutil.RequireFlagTable(t, "README.md", fs, nil)
}

func TestRunVersionAndBadFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"-V"}, &out, &errOut))
	require.NotEmpty(t, strings.TrimSpace(out.String()))

	require.Equal(t, 2, run([]string{"-no-such-flag"}, &out, &errOut))
	require.Contains(t, errOut.String(), "no-such-flag")
	errOut.Reset()
	require.Equal(t, 2, run([]string{"extra"}, &out, &errOut))
	require.Contains(t, errOut.String(), "extra")
	errOut.Reset()
	require.Equal(t, 2, run([]string{"-L", "loud"}, &out, &errOut))
	require.Contains(t, errOut.String(), "loud")
	errOut.Reset()
	require.Equal(t, 1, run([]string{"-path", "", "-crash-next-txn", "sometimes", "-P", "0", "-status", "0"}, &out, &errOut))
	require.Contains(t, errOut.String(), "crash mode")
}

func TestConfigFromFlags(t *testing.T) {
	fs := flag.NewFlagSet("tidb-lite", flag.ContinueOnError)
	var o options
	addFlags(fs, &o)
	require.NoError(t, fs.Parse([]string{"-host", "127.0.0.1", "-P", "4001", "-status", "10081",
		"-path", "pd1:2379, pd2:2379", "-enable-binlog", "-binlog-strategy", "hash", "-binlog-write-timeout", "3s",
		"-binlog-ignore-error", "-crash-next-txn", "after-commit", "-crash-lock-ttl", "1s", "-advertise-address", "10.0.0.1"}))
	cfg := serverConfig(o, zap.NewNop())
	require.Equal(t, "127.0.0.1:4001", cfg.Addr)
	require.Equal(t, "0.0.0.0:10081", cfg.StatusAddr)
	require.Equal(t, []string{"pd1:2379", "pd2:2379"}, cfg.PDURLs)
	require.True(t, cfg.EnableBinlog)
	require.True(t, cfg.BinlogIgnoreError)
	require.Equal(t, "hash", cfg.BinlogStrategy)
	require.Equal(t, 3*time.Second, cfg.BinlogWriteTimeout)
	require.Equal(t, tidblite.CrashAfterCommit, cfg.CrashNextTxn)
	require.Equal(t, time.Second, cfg.LockTTL)
	require.Equal(t, "10.0.0.1", cfg.AdvertiseHost)
}

func TestTopologyRegistration(t *testing.T) {
	c := newCluster(t, 1)
	s := c.startTiDB(t)
	cli, err := registry.NewEtcdClient([]string{c.pd.ClientURL()}, nil, nil)
	require.NoError(t, err)
	defer cli.Close()
	reg := registry.New(cli, nil)
	infos, err := reg.TiDBInstances(context.Background())
	require.NoError(t, err)
	require.Len(t, infos, 1)
	require.Equal(t, s.Addr(), infos[0].Addr)
	require.Equal(t, s.StatusURL(), infos[0].StatusURL)
	require.NoError(t, s.Close())
	infos, err = reg.TiDBInstances(context.Background())
	require.NoError(t, err)
	require.Empty(t, infos, "the ttl key goes with the lease")
}

func TestConfigClusterTLSFlags(t *testing.T) {
	fs := flag.NewFlagSet("tidb-lite", flag.ContinueOnError)
	var o options
	addFlags(fs, &o)
	require.NoError(t, fs.Parse([]string{"-cluster-ssl-ca", "ca.pem", "-cluster-ssl-cert", "c.pem",
		"-cluster-ssl-key", "c.key", "-cluster-verify-cn", "binlog, tidb"}))
	sec := serverConfig(o, zap.NewNop()).Security
	require.Equal(t, "ca.pem", sec.SSLCA)
	require.Equal(t, "c.pem", sec.SSLCert)
	require.Equal(t, "c.key", sec.SSLKey)
	require.Equal(t, []string{"binlog", "tidb"}, sec.CertAllowedCN)

	fs = flag.NewFlagSet("tidb-lite", flag.ContinueOnError)
	o = options{}
	addFlags(fs, &o)
	require.NoError(t, fs.Parse(nil))
	require.False(t, serverConfig(o, zap.NewNop()).Security.Enabled())
}
