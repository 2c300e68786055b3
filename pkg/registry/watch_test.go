package registry_test

import (
	"context"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/pdlite"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/stretchr/testify/require"
)

func nextEvent(t *testing.T, ch <-chan registry.Event) registry.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		require.True(t, ok, "watch channel closed")
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event within 10s")
		return registry.Event{}
	}
}

func requireClosed(t *testing.T, ch <-chan registry.Event) {
	t.Helper()
	require.Eventually(t, func() bool {
		select {
		case _, ok := <-ch:
			return !ok
		default:
			return false
		}
	}, 5*time.Second, 10*time.Millisecond)
}

func TestWatchPutStateChangeDelete(t *testing.T) {
	s := pdlitetest.Start(t)
	r := newRegistry(t, s.ClientURL())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, r.CreateNode(ctx, registry.KindPump, status("p1", registry.Online, 1)))
	nodes, rev, err := r.Nodes(ctx, registry.KindPump)
	require.NoError(t, err)
	require.Len(t, nodes, 1)

	ch := r.Watch(ctx, registry.KindPump, rev+1)
	require.NoError(t, r.CreateNode(ctx, registry.KindPump, status("p2", registry.Online, 2)))
	require.NoError(t, r.UpdateExistingNode(ctx, registry.KindPump, status("p1", registry.Paused, 3)))
	require.NoError(t, r.UpdateNode(ctx, registry.KindDrainer, status("d1", registry.Online, 0))) // other kind: not seen
	require.NoError(t, r.DeleteNode(ctx, registry.KindPump, "p2"))

	ev := nextEvent(t, ch)
	require.Equal(t, registry.EventPut, ev.Type)
	require.Equal(t, "p2", ev.NodeID)
	require.Equal(t, status("p2", registry.Online, 2), ev.Status)
	require.Greater(t, ev.Revision, rev)
	prev := ev.Revision

	ev = nextEvent(t, ch)
	require.Equal(t, registry.EventPut, ev.Type)
	require.Equal(t, "p1", ev.NodeID)
	require.Equal(t, registry.Paused, ev.Status.State)
	require.Greater(t, ev.Revision, prev)
	prev = ev.Revision

	ev = nextEvent(t, ch)
	require.Equal(t, registry.EventDelete, ev.Type)
	require.Equal(t, "p2", ev.NodeID)
	require.Nil(t, ev.Status)
	require.Equal(t, prev+2, ev.Revision, "the drainer write took one revision")
	require.Equal(t, "delete", ev.Type.String())

	cancel()
	requireClosed(t, ch)
}

func TestWatchFromNowAndHistory(t *testing.T) {
	s := pdlitetest.Start(t)
	r := newRegistry(t, s.ClientURL())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, r.UpdateNode(ctx, registry.KindDrainer, status("old", registry.Online, 1)))
	_, rev, err := r.Nodes(ctx, registry.KindDrainer)
	require.NoError(t, err)

	history := r.Watch(ctx, registry.KindDrainer, rev) // includes the write at rev
	require.Equal(t, "old", nextEvent(t, history).NodeID)

	now := r.Watch(ctx, registry.KindDrainer, 0)
	// The from-now watch may not be established yet: write until it sees something.
	require.Eventually(t, func() bool {
		require.NoError(t, r.UpdateNode(ctx, registry.KindDrainer, status("new", registry.Online, 2)))
		select {
		case ev := <-now:
			require.Equal(t, "new", ev.NodeID, "nothing from before the watch")
			return true
		case <-time.After(50 * time.Millisecond):
			return false
		}
	}, 5*time.Second, time.Millisecond)
	require.Equal(t, "new", nextEvent(t, history).NodeID)
}

func TestWatchResyncsAfterCompaction(t *testing.T) {
	s := pdlitetest.Start(t)
	r := newRegistry(t, s.ClientURL())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	require.NoError(t, r.UpdateNode(ctx, registry.KindPump, status("p1", registry.Online, 1)))
	_, rev, err := r.Nodes(ctx, registry.KindPump)
	require.NoError(t, err)
	require.NoError(t, r.UpdateNode(ctx, registry.KindPump, status("p1", registry.Paused, 2)))
	require.NoError(t, r.UpdateNode(ctx, registry.KindPump, status("p2", registry.Online, 3)))
	_, last, err := r.Nodes(ctx, registry.KindPump)
	require.NoError(t, err)
	_, err = r.Client().Compact(ctx, last)
	require.NoError(t, err)

	ch := r.Watch(ctx, registry.KindPump, rev+1) // compacted away
	got := map[string]*registry.Status{}
	for range 2 {
		ev := nextEvent(t, ch)
		require.Equal(t, registry.EventPut, ev.Type)
		require.GreaterOrEqual(t, ev.Revision, last)
		got[ev.NodeID] = ev.Status
	}
	require.Equal(t, registry.Paused, got["p1"].State, "the resync delivers the latest state")
	require.Equal(t, registry.Online, got["p2"].State)

	require.NoError(t, r.DeleteNode(ctx, registry.KindPump, "p1"))
	ev := nextEvent(t, ch)
	require.Equal(t, registry.EventDelete, ev.Type)
	require.Equal(t, "p1", ev.NodeID)
}

func TestWatchSurvivesServerRestart(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s1, err := pdlite.Start(ctx, pdlitetest.Config(dir))
	require.NoError(t, err)
	url := s1.ClientURL()
	r := newRegistry(t, url)
	ch := r.Watch(ctx, registry.KindPump, 1)
	require.NoError(t, r.UpdateNode(ctx, registry.KindPump, status("p1", registry.Online, 1)))
	require.Equal(t, int64(1), nextEvent(t, ch).Status.MaxCommitTS)
	require.NoError(t, s1.Close())

	cfg := pdlitetest.Config(dir)
	cfg.ClientURLs = []string{url} // same URL, so the client reconnects
	s2, err := pdlite.Start(ctx, cfg)
	require.NoError(t, err)
	defer s2.Close()
	w := newRegistry(t, url)
	require.NoError(t, w.UpdateNode(ctx, registry.KindPump, status("p1", registry.Paused, 2)))
	ev := nextEvent(t, ch)
	require.Equal(t, registry.Paused, ev.Status.State)
	require.Equal(t, int64(2), ev.Status.MaxCommitTS)

	cancel()
	requireClosed(t, ch)
}

func TestWatchClosesWhenClientCloses(t *testing.T) {
	s := pdlitetest.Start(t)
	cli, err := registry.NewEtcdClient([]string{s.ClientURL()}, nil, nil)
	require.NoError(t, err)
	ch := registry.New(cli, nil).Watch(context.Background(), registry.KindPump, 0)
	require.NoError(t, cli.Close())
	requireClosed(t, ch)
}
