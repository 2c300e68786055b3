package pdlite_test

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/pdlite"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/pingcap/kvproto/pkg/pdpb"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

func testConfig(dir string) pdlite.Config {
	cfg := pdlite.DefaultConfig()
	cfg.DataDir = dir
	cfg.ClientURLs = []string{"http://127.0.0.1:0"}
	cfg.PeerURLs = []string{"http://127.0.0.1:0"}
	return cfg
}

func dialPD(t *testing.T, url string) pdpb.PDClient {
	t.Helper()
	conn, err := grpc.NewClient(url[len("http://"):], grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return pdpb.NewPDClient(conn)
}

func etcdClient(t *testing.T, url string) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{url}, DialTimeout: 5 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

// tsoOnce asks the raw Tso stream for count timestamps and returns the last one.
func tsoOnce(t *testing.T, ctx context.Context, pd pdpb.PDClient, clusterID uint64, count uint32) (*pdpb.TsoResponse, error) {
	t.Helper()
	stream, err := pd.Tso(ctx)
	require.NoError(t, err)
	defer func() { _ = stream.CloseSend() }()
	req := &pdpb.TsoRequest{Header: &pdpb.RequestHeader{ClusterId: clusterID}, Count: count}
	require.NoError(t, stream.Send(req))
	return stream.Recv()
}

func composed(resp *pdpb.TsoResponse) int64 {
	return resp.Timestamp.Physical<<18 | resp.Timestamp.Logical
}

func TestGetMembersAndClusterInfo(t *testing.T) {
	s := pdlitetest.Start(t)
	require.NotZero(t, s.ClusterID())
	require.Regexp(t, `^http://127\.0\.0\.1:[1-9][0-9]*$`, s.ClientURL())
	pd := dialPD(t, s.ClientURL())
	ctx := context.Background()

	members, err := pd.GetMembers(ctx, &pdpb.GetMembersRequest{})
	require.NoError(t, err)
	require.Equal(t, s.ClusterID(), members.Header.ClusterId)
	require.Len(t, members.Members, 1)
	require.Equal(t, []string{s.ClientURL()}, members.Leader.ClientUrls)
	require.Equal(t, members.Members[0].MemberId, members.Leader.MemberId)
	require.NotZero(t, members.Leader.MemberId)

	info, err := pd.GetClusterInfo(ctx, &pdpb.GetClusterInfoRequest{})
	require.NoError(t, err)
	require.Equal(t, s.ClusterID(), info.Header.ClusterId)
	require.Equal(t, []pdpb.ServiceMode{pdpb.ServiceMode_PD_SVC_MODE}, info.ServiceModes)

	_, err = pd.GetStore(ctx, &pdpb.GetStoreRequest{StoreId: 1})
	require.Equal(t, codes.Unimplemented, status.Code(err))
}

func TestTsoStream(t *testing.T) {
	s := pdlitetest.Start(t)
	pd := dialPD(t, s.ClientURL())
	ctx := context.Background()

	first, err := tsoOnce(t, ctx, pd, s.ClusterID(), 10)
	require.NoError(t, err)
	require.Equal(t, uint32(10), first.Count)
	require.Equal(t, s.ClusterID(), first.Header.ClusterId)
	require.GreaterOrEqual(t, first.Timestamp.Logical, int64(10))
	require.InDelta(t, time.Now().UnixMilli(), first.Timestamp.Physical, 5000)

	second, err := tsoOnce(t, ctx, pd, s.ClusterID(), 1)
	require.NoError(t, err)
	require.Greater(t, composed(second), composed(first))

	_, err = tsoOnce(t, ctx, pd, s.ClusterID()+1, 1)
	require.Equal(t, codes.FailedPrecondition, status.Code(err))
	_, err = tsoOnce(t, ctx, pd, s.ClusterID(), 0)
	require.Equal(t, codes.InvalidArgument, status.Code(err))

	// Closing the send side ends the stream cleanly.
	stream, err := pd.Tso(ctx)
	require.NoError(t, err)
	require.NoError(t, stream.CloseSend())
	_, err = stream.Recv()
	require.ErrorIs(t, err, io.EOF)
}

func TestEtcdOnSameURL(t *testing.T) {
	s := pdlitetest.Start(t)
	cli := etcdClient(t, s.ClientURL())
	ctx := context.Background()
	_, err := cli.Put(ctx, "/k", "v")
	require.NoError(t, err)
	resp, err := cli.Get(ctx, "/k")
	require.NoError(t, err)
	require.Equal(t, "v", string(resp.Kvs[0].Value))
	// The advertised client URL is the real one, so member sync keeps working.
	ml, err := cli.MemberList(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{s.ClientURL()}, ml.Members[0].ClientURLs)
	require.NoError(t, cli.Sync(ctx))
	require.Equal(t, []string{s.ClientURL()}, cli.Endpoints())
}

func TestRestartKeepsClusterIDAndTSO(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s1, err := pdlite.Start(ctx, testConfig(dir))
	require.NoError(t, err)
	id := s1.ClusterID()
	resp, err := tsoOnce(t, ctx, dialPD(t, s1.ClientURL()), id, 1000)
	require.NoError(t, err)
	before := composed(resp)
	require.NoError(t, s1.Close())
	require.NoError(t, s1.Close(), "Close is idempotent")

	s2, err := pdlite.Start(ctx, testConfig(dir))
	require.NoError(t, err)
	defer s2.Close()
	require.Equal(t, id, s2.ClusterID())
	resp, err = tsoOnce(t, ctx, dialPD(t, s2.ClientURL()), id, 1)
	require.NoError(t, err)
	require.Greater(t, composed(resp), before)
	// The new process starts at or above the window persisted by the old one (3 s ahead).
	require.GreaterOrEqual(t, resp.Timestamp.Physical, before>>18+2000)
}

func TestDataDirLocked(t *testing.T) {
	dir := t.TempDir()
	pdlitetest.StartWithDir(t, dir)
	_, err := pdlite.Start(context.Background(), testConfig(dir))
	require.ErrorIs(t, err, pdlite.ErrDataDirLocked)
}

func TestBadDataDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err := pdlite.Start(context.Background(), testConfig(filepath.Join(file, "sub")))
	require.ErrorContains(t, err, "create data dir")
}

func TestTakenPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	cfg := testConfig(t.TempDir())
	cfg.ClientURLs = []string{"http://" + l.Addr().String()}
	_, err = pdlite.Start(context.Background(), cfg)
	require.ErrorContains(t, err, "address already in use")
}

func TestBadConfig(t *testing.T) {
	for name, mutate := range map[string]func(*pdlite.Config){
		"no name":      func(c *pdlite.Config) { c.Name = "" },
		"no data dir":  func(c *pdlite.Config) { c.DataDir = "" },
		"no urls":      func(c *pdlite.Config) { c.ClientURLs = nil },
		"no scheme":    func(c *pdlite.Config) { c.ClientURLs = []string{"127.0.0.1:0"} },
		"bad peer url": func(c *pdlite.Config) { c.PeerURLs = []string{"ftp://127.0.0.1:0"} },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t.TempDir())
			mutate(&cfg)
			_, err := pdlite.Start(context.Background(), cfg)
			require.ErrorIs(t, err, pdlite.ErrBadConfig)
		})
	}
}
