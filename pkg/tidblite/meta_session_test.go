package tidblite

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
)

// A lost lease (revoked here; expired when PD stalls longer than the TTL)
// or a closed session must not fail the DDL lock for good.
func TestEtcdMetaLockAfterSessionLost(t *testing.T) {
	pd := pdlitetest.Start(t)
	cli, err := registry.NewEtcdClient([]string{pd.ClientURL()}, nil, nil)
	require.NoError(t, err)
	defer cli.Close()
	m, err := newEtcdMeta(cli, zap.NewNop())
	require.NoError(t, err)
	defer func() { require.NoError(t, m.close()) }()
	ctx := context.Background()

	lost := map[string]func(){
		"revoked lease": func() {
			_, err := cli.Revoke(ctx, m.sess.Lease())
			require.NoError(t, err)
		},
		"closed session": func() { require.NoError(t, m.sess.Close()) },
	}
	for _, name := range []string{"revoked lease", "closed session"} {
		old := m.sess.Lease()
		lost[name]()
		unlock, err := m.lockDDL(ctx)
		require.NoError(t, err, name)
		require.NotEqual(t, old, m.sess.Lease(), name)
		unlock()
	}
}

// A lease that is gone while the session still looks alive (its keepalive
// has not noticed yet) makes the lock's put fail with "requested lease not
// found": that error counts as a lost session, so lockDDL renews and retries.
func TestSessionLostOnLeaseNotFound(t *testing.T) {
	pd := pdlitetest.Start(t)
	cli, err := registry.NewEtcdClient([]string{pd.ClientURL()}, nil, nil)
	require.NoError(t, err)
	defer cli.Close()
	sess, err := concurrency.NewSession(cli, concurrency.WithTTL(sessionTTL))
	require.NoError(t, err)
	defer sess.Close()
	require.True(t, sessionLost(sess, fmt.Errorf("lock ddl: %w", rpctypes.ErrLeaseNotFound)))
	require.False(t, sessionLost(sess, errors.New("etcdserver: request timed out")))

	// the error the put of a revoked lease really returns
	lease, err := cli.Grant(context.Background(), sessionTTL)
	require.NoError(t, err)
	_, err = cli.Revoke(context.Background(), lease.ID)
	require.NoError(t, err)
	_, err = cli.Put(context.Background(), metaPrefix+"probe", "", clientv3.WithLease(lease.ID))
	require.True(t, sessionLost(sess, fmt.Errorf("lock ddl: %w", err)), "%v", err)
}

// A DDL through SQL after the lease of the server's session was revoked.
func TestDDLAfterLeaseRevoked(t *testing.T) {
	pd := pdlitetest.Start(t)
	s := startStandalone(t, func(c *Config) { c.PDURLs = []string{pd.ClientURL()} })
	db := openDB(t, s, "")
	mustExec(t, db, "CREATE DATABASE lr")
	em := s.meta.(*etcdMeta)
	em.mu.Lock()
	lease := em.sess.Lease()
	em.mu.Unlock()
	_, err := s.etcd.Revoke(context.Background(), lease)
	require.NoError(t, err)
	mustExec(t, db, "CREATE TABLE lr.t (a int PRIMARY KEY)", "INSERT INTO lr.t VALUES (1)",
		"ALTER TABLE lr.t ADD COLUMN b int")
	require.Equal(t, "ALTER TABLE lr.t ADD COLUMN b int", lastJob(t, s).Query)
}
