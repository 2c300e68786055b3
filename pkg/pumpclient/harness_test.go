package pumpclient

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/openbinlog/tidb-binlog/pkg/pdlite"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// testCluster is a pd-lite server with a registry client on its etcd.
type testCluster struct {
	t   testing.TB
	pd  *pdlite.Server
	reg *registry.Registry
}

func newTestCluster(t testing.TB) *testCluster {
	t.Helper()
	pd := pdlitetest.Start(t)
	cli, err := registry.NewEtcdClient([]string{pd.ClientURL()}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cli.Close() })
	return &testCluster{t: t, pd: pd, reg: registry.New(cli, nil)}
}

// setPump writes a pump's registry status, as a pump or binlogctl would.
func (c *testCluster) setPump(nodeID, addr, state string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(c.t, c.reg.UpdateNode(ctx, registry.KindPump,
		&registry.Status{NodeID: nodeID, Addr: addr, State: state}))
}

// fastOptions are short intervals for tests.
func fastOptions(t testing.TB) []Option {
	return []Option{
		WithLogger(zaptest.NewLogger(t)),
		WithDetectInterval(100 * time.Millisecond),
		WithRetryInterval(10 * time.Millisecond),
		WithCommitRetryInterval(20 * time.Millisecond),
		WithCommitBinlogTimeout(2 * time.Second),
		WithDialTimeout(time.Second),
	}
}

// newClient opens a client on the cluster and closes it in t.Cleanup.
func (c *testCluster) newClient(strategy string, timeout time.Duration, opts ...Option) *PumpsClient {
	c.t.Helper()
	cli, err := NewPumpsClient(c.pd.ClientURL(), strategy, timeout, security.Config{}, append(fastOptions(c.t), opts...)...)
	require.NoError(c.t, err)
	c.t.Cleanup(cli.Close)
	return cli
}

// writeTxn writes the prewrite and commit binlogs of one transaction.
func writeTxn(cli *PumpsClient, startTS int64) error {
	if err := cli.WriteBinlog(binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, startTS, 0)); err != nil {
		return err
	}
	return cli.WriteBinlog(binlogpb.NewBinlog(binlogpb.BinlogType_Commit, startTS, startTS+1))
}
