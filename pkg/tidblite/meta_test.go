package tidblite

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/etcd_meta.golden")

// metaContract runs the same checks on both meta stores; other shares m's
// data like a second instance does.
func metaContract(t *testing.T, m, other metaStore) {
	t.Helper()
	ctx := context.Background()
	id, err := m.alloc(ctx, counterGlobalID, 1)
	require.NoError(t, err)
	require.EqualValues(t, initialGlobalID+1, id)
	id, err = m.alloc(ctx, counterGlobalID, 2)
	require.NoError(t, err)
	require.EqualValues(t, initialGlobalID+3, id)
	v, err := m.alloc(ctx, counterSchemaVersion, 4)
	require.NoError(t, err)
	require.EqualValues(t, initialSchemaVersion+4, v)
	h, err := m.alloc(ctx, autoIDCounter(105), autoIDStep)
	require.NoError(t, err)
	require.EqualValues(t, autoIDStep, h)

	for _, jid := range []int64{102, 104} {
		job := &model.Job{ID: jid, Type: model.ActionCreateSchema, SchemaID: jid - 1, SchemaName: "d", State: model.JobStateSynced,
			Query: "CREATE DATABASE d", BinlogInfo: &model.HistoryInfo{SchemaVersion: jid - 80, FinishedTS: 1}}
		require.NoError(t, m.addJob(ctx, job))
	}
	js, err := m.jobsAfter(ctx, 0)
	require.NoError(t, err)
	require.Len(t, js, 2)
	js, err = m.jobsAfter(ctx, 102)
	require.NoError(t, err)
	require.Len(t, js, 1)
	require.EqualValues(t, 104, js[0].ID)
	require.Equal(t, "CREATE DATABASE d", js[0].Query)

	unlock, err := m.lockDDL(ctx)
	require.NoError(t, err)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	_, err = other.lockDDL(short)
	require.Error(t, err, "the DDL lock is exclusive")
	unlock()
	unlock2, err := other.lockDDL(ctx)
	require.NoError(t, err)
	unlock2()
}

func TestMemMeta(t *testing.T) {
	m := newMemMeta()
	metaContract(t, m, m)
}

func TestEtcdMetaLayout(t *testing.T) {
	pd := pdlitetest.Start(t)
	cli, err := registry.NewEtcdClient([]string{pd.ClientURL()}, nil, nil)
	require.NoError(t, err)
	defer cli.Close()
	m, err := newEtcdMeta(cli, zap.NewNop())
	require.NoError(t, err)
	other, err := newEtcdMeta(cli, zap.NewNop())
	require.NoError(t, err)
	metaContract(t, m, other)
	require.NoError(t, m.close())
	require.NoError(t, other.close())

	resp, err := cli.Get(context.Background(), metaPrefix, clientv3.WithPrefix())
	require.NoError(t, err)
	var b strings.Builder
	for _, kv := range resp.Kvs {
		if strings.HasPrefix(string(kv.Key), metaPrefix+"ddl-lock/") {
			continue // lease-named mutex keys, gone after unlock anyway
		}
		b.WriteString(string(kv.Key) + " = " + string(kv.Value) + "\n")
	}
	if *updateGolden {
		require.NoError(t, os.WriteFile("testdata/etcd_meta.golden", []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile("testdata/etcd_meta.golden")
	require.NoError(t, err)
	require.Equal(t, string(want), b.String())
}
