package registry_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
)

func sampleTopology() registry.TiDBTopology {
	return registry.TiDBTopology{
		Version: "5.7.25-TiDB-v7.5.0", GitHash: "abc123", IP: "127.0.0.1", StatusPort: 10080,
		DeployPath: "/opt/tidb/bin", StartTimestamp: 1_700_000_000, Labels: map[string]string{},
	}
}

func TestTiDBTopologyJSONGolden(t *testing.T) {
	golden, err := os.ReadFile("testdata/tidb_topology.golden.json")
	require.NoError(t, err)
	got, err := json.Marshal(sampleTopology())
	require.NoError(t, err)
	require.Equal(t, strings.TrimSpace(string(golden)), string(got))
}

func TestRegisterTiDBAndList(t *testing.T) {
	s := pdlitetest.Start(t)
	r := newRegistry(t, s.ClientURL())
	ctx := context.Background()

	stop, err := r.RegisterTiDB(ctx, "127.0.0.1:4000", sampleTopology(), 10*time.Second)
	require.NoError(t, err)
	defer stop()
	info2 := sampleTopology()
	info2.StatusPort = 10081
	stop2, err := r.RegisterTiDB(ctx, "127.0.0.1:4001", info2, time.Second)
	require.NoError(t, err)

	// Written by hand: an info without ttl (dead server) and an undecodable one.
	_, err = r.Client().Put(ctx, "/topology/tidb/127.0.0.1:4002/info", `{"status_port":10082}`)
	require.NoError(t, err)
	_, err = r.Client().Put(ctx, "/topology/tidb/127.0.0.1:4003/info", `{bad`)
	require.NoError(t, err)
	_, err = r.Client().Put(ctx, "/topology/tidb/127.0.0.1:4003/ttl", "1")
	require.NoError(t, err)

	list, err := r.TiDBInstances(ctx)
	require.NoError(t, err)
	require.Equal(t, []registry.TiDBInfo{
		{Addr: "127.0.0.1:4000", StatusPort: 10080, StatusURL: "http://127.0.0.1:10080"},
		{Addr: "127.0.0.1:4001", StatusPort: 10081, StatusURL: "http://127.0.0.1:10081"},
	}, list)

	// The keys look like TiDB's: info without lease, ttl with one.
	resp, err := r.Client().Get(ctx, "/topology/tidb/127.0.0.1:4000/", clientv3.WithPrefix())
	require.NoError(t, err)
	require.Len(t, resp.Kvs, 2)
	golden, err := os.ReadFile("testdata/tidb_topology.golden.json")
	require.NoError(t, err)
	require.Equal(t, "/topology/tidb/127.0.0.1:4000/info", string(resp.Kvs[0].Key))
	require.JSONEq(t, string(golden), string(resp.Kvs[0].Value))
	require.Zero(t, resp.Kvs[0].Lease)
	require.Equal(t, "/topology/tidb/127.0.0.1:4000/ttl", string(resp.Kvs[1].Key))
	require.NotZero(t, resp.Kvs[1].Lease)

	// A 1 s lease is kept alive well past its TTL.
	require.Never(t, func() bool {
		list, err := r.TiDBInstances(ctx)
		require.NoError(t, err)
		return len(list) != 2
	}, 2500*time.Millisecond, 100*time.Millisecond)

	stop2()
	stop2() // idempotent
	list, err = r.TiDBInstances(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1, "stop revokes the lease at once")
	require.Equal(t, "127.0.0.1:4000", list[0].Addr)
}

func TestRegisterTiDBReregistersAfterLeaseLoss(t *testing.T) {
	s := pdlitetest.Start(t)
	r := newRegistry(t, s.ClientURL())
	ctx := context.Background()
	stop, err := r.RegisterTiDB(ctx, "127.0.0.1:4000", sampleTopology(), 2*time.Second)
	require.NoError(t, err)
	defer stop()

	ttlKey := "/topology/tidb/127.0.0.1:4000/ttl"
	resp, err := r.Client().Get(ctx, ttlKey)
	require.NoError(t, err)
	lease := clientv3.LeaseID(resp.Kvs[0].Lease)
	_, err = r.Client().Revoke(ctx, lease) // as if the lease had expired
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		resp, err := r.Client().Get(ctx, ttlKey)
		require.NoError(t, err)
		return len(resp.Kvs) == 1 && clientv3.LeaseID(resp.Kvs[0].Lease) != lease
	}, 10*time.Second, 20*time.Millisecond)
}

func TestRegisterTiDBBadAddr(t *testing.T) {
	s := pdlitetest.Start(t)
	r := newRegistry(t, s.ClientURL())
	_, err := r.RegisterTiDB(context.Background(), "no-port", sampleTopology(), time.Second)
	require.Error(t, err)
}
