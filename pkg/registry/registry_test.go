package registry_test

import (
	"context"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/stretchr/testify/require"
)

func newRegistry(t *testing.T, url string) *registry.Registry {
	t.Helper()
	cli, err := registry.NewEtcdClient([]string{url}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cli.Close() })
	return registry.New(cli, nil)
}

func status(id, state string, maxCommit int64) *registry.Status {
	return &registry.Status{NodeID: id, Addr: "127.0.0.1:8250", State: state, MaxCommitTS: maxCommit}
}

func TestCreateUpdateConflicts(t *testing.T) {
	s := pdlitetest.Start(t)
	r := newRegistry(t, s.ClientURL())
	ctx := context.Background()

	_, err := r.Node(ctx, registry.KindPump, "p1")
	require.ErrorIs(t, err, registry.ErrNodeNotFound)
	require.ErrorIs(t, r.UpdateExistingNode(ctx, registry.KindPump, status("p1", registry.Online, 1)), registry.ErrNodeNotFound)

	require.NoError(t, r.CreateNode(ctx, registry.KindPump, status("p1", registry.Online, 1)))
	require.ErrorIs(t, r.CreateNode(ctx, registry.KindPump, status("p1", registry.Paused, 2)), registry.ErrNodeExists)
	got, err := r.Node(ctx, registry.KindPump, "p1")
	require.NoError(t, err)
	require.Equal(t, status("p1", registry.Online, 1), got, "a failed create changes nothing")

	require.NoError(t, r.UpdateExistingNode(ctx, registry.KindPump, status("p1", registry.Paused, 3)))
	got, err = r.Node(ctx, registry.KindPump, "p1")
	require.NoError(t, err)
	require.Equal(t, registry.Paused, got.State)
	require.Equal(t, int64(3), got.MaxCommitTS)

	// The same id as a drainer is a different node.
	require.NoError(t, r.CreateNode(ctx, registry.KindDrainer, status("p1", registry.Online, 0)))
	// UpdateNode creates or updates.
	require.NoError(t, r.UpdateNode(ctx, registry.KindPump, status("p0", registry.Online, 5)))
	require.NoError(t, r.UpdateNode(ctx, registry.KindPump, status("p0", registry.Closing, 6)))

	nodes, rev, err := r.Nodes(ctx, registry.KindPump)
	require.NoError(t, err)
	require.Positive(t, rev)
	require.Len(t, nodes, 2)
	require.Equal(t, "p0", nodes[0].NodeID, "sorted by node id")
	require.Equal(t, registry.Closing, nodes[0].State)
	require.Equal(t, "p1", nodes[1].NodeID)

	require.NoError(t, r.DeleteNode(ctx, registry.KindPump, "p0"))
	require.ErrorIs(t, r.DeleteNode(ctx, registry.KindPump, "p0"), registry.ErrNodeNotFound)
	require.ErrorIs(t, r.UpdateExistingNode(ctx, registry.KindPump, status("p0", registry.Online, 1)), registry.ErrNodeNotFound,
		"an update does not resurrect a deleted node")
}

func TestBadArguments(t *testing.T) {
	s := pdlitetest.Start(t)
	r := newRegistry(t, s.ClientURL())
	ctx := context.Background()
	require.ErrorIs(t, r.CreateNode(ctx, "tidbs", status("x", registry.Online, 0)), registry.ErrBadKind)
	require.ErrorIs(t, r.UpdateNode(ctx, registry.KindPump, status("", registry.Online, 0)), registry.ErrEmptyNodeID)
	_, _, err := r.Nodes(ctx, "nope")
	require.ErrorIs(t, err, registry.ErrBadKind)
	_, ok := <-r.Watch(ctx, "nope", 0)
	require.False(t, ok, "watch of an unknown kind is closed at once")
}

func TestNodesSkipsGarbageAndReadsLegacyIDs(t *testing.T) {
	s := pdlitetest.Start(t)
	r := newRegistry(t, s.ClientURL())
	ctx := context.Background()
	_, err := r.Client().Put(ctx, registry.NodeKey(registry.KindPump, "bad"), "{not json")
	require.NoError(t, err)
	_, err = r.Client().Put(ctx, registry.NodeKey(registry.KindPump, "noid"), `{"state":"online"}`)
	require.NoError(t, err)
	nodes, _, err := r.Nodes(ctx, registry.KindPump)
	require.NoError(t, err)
	require.Len(t, nodes, 1)
	require.Equal(t, "noid", nodes[0].NodeID, "node id taken from the key when the JSON has none")
}

func TestNormalizeURLs(t *testing.T) {
	for _, c := range []struct {
		in     []string
		secure bool
		want   []string
	}{
		{[]string{"127.0.0.1:2379"}, false, []string{"http://127.0.0.1:2379"}},
		{[]string{"http://a:1,https://b:2", " c:3 "}, false, []string{"http://a:1", "https://b:2", "http://c:3"}},
		{[]string{"http://a:1,b:2"}, true, []string{"https://a:1", "https://b:2"}},
		{[]string{"https://a:1"}, true, []string{"https://a:1"}},
	} {
		got, err := registry.NormalizeURLs(c.in, c.secure)
		require.NoError(t, err)
		require.Equal(t, c.want, got)
	}
	_, err := registry.NormalizeURLs([]string{" , "}, false)
	require.ErrorIs(t, err, registry.ErrNoEndpoints)
	_, err = registry.NewEtcdClient(nil, nil, nil)
	require.ErrorIs(t, err, registry.ErrNoEndpoints)
}

func TestNewEtcdClientSettings(t *testing.T) {
	s := pdlitetest.Start(t)
	hostPort := s.ClientURL()[len("http://"):]
	cli, err := registry.NewEtcdClient([]string{hostPort}, nil, nil)
	require.NoError(t, err)
	defer cli.Close()
	require.Equal(t, []string{s.ClientURL()}, cli.Endpoints())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = cli.Get(ctx, "/x")
	require.NoError(t, err)
}
