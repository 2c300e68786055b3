package pd_test

import (
	"context"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"go.uber.org/zap"
)

func TestMain(m *testing.M) {
	pd.SetClientLogger(zap.NewNop()) // keep the PD client library quiet
	goleak.VerifyTestMain(m)
}

func newClient(t *testing.T, url string) *pd.Client {
	t.Helper()
	c, err := pd.NewClient(context.Background(), []string{url}, security.Config{}, nil)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// collectTSOs takes n timestamps with g goroutines and returns them sorted.
func collectTSOs(t *testing.T, c *pd.Client, n, g int) []int64 {
	t.Helper()
	out := make([][]int64, g)
	var wg sync.WaitGroup
	for i := range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prev := int64(0)
			for range n / g {
				ts, err := c.TSO(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if ts <= prev {
					t.Errorf("tso went back in one goroutine: %d after %d", ts, prev)
				}
				prev = ts
				out[i] = append(out[i], ts)
			}
		}()
	}
	wg.Wait()
	all := slices.Concat(out...)
	slices.Sort(all)
	return all
}

func requireUnique(t *testing.T, ts []int64) {
	t.Helper()
	for i := 1; i < len(ts); i++ {
		if ts[i] == ts[i-1] {
			t.Fatalf("duplicate tso %d", ts[i])
		}
	}
}

func TestClusterIDAndTSO(t *testing.T) {
	s := pdlitetest.Start(t)
	c := newClient(t, s.ClientURL())
	require.Equal(t, s.ClusterID(), c.ClusterID())
	ts, err := c.TSO(context.Background())
	require.NoError(t, err)
	require.InDelta(t, time.Now().UnixMilli(), pd.ExtractPhysical(ts), 5000)
}

func TestURLForms(t *testing.T) {
	s := pdlitetest.Start(t)
	hostPort := s.ClientURL()[len("http://"):]
	for _, urls := range [][]string{{hostPort}, {" " + s.ClientURL() + " , " + s.ClientURL()}} {
		c, err := pd.NewClient(context.Background(), urls, security.Config{}, nil)
		require.NoError(t, err, urls)
		require.Equal(t, s.ClusterID(), c.ClusterID())
		c.Close()
	}
}

func TestTSOStrictlyIncreasing100k(t *testing.T) {
	s := pdlitetest.Start(t)
	c := newClient(t, s.ClientURL())
	start := time.Now()
	all := collectTSOs(t, c, 100_000, 50)
	elapsed := time.Since(start)
	require.Len(t, all, 100_000)
	requireUnique(t, all)
	t.Logf("100000 TSOs in %v (%.0f/s)", elapsed, 100_000/elapsed.Seconds())
}

func TestTSOAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s1, err := pdlite.Start(ctx, pdlitetest.Config(dir))
	require.NoError(t, err)
	c1, err := pd.NewClient(ctx, []string{s1.ClientURL()}, security.Config{}, nil)
	require.NoError(t, err)
	before := collectTSOs(t, c1, 5000, 10)
	id := c1.ClusterID()
	c1.Close()
	require.NoError(t, s1.Close())

	s2 := pdlitetest.StartWithDir(t, dir)
	c2 := newClient(t, s2.ClientURL())
	require.Equal(t, id, c2.ClusterID())
	after := collectTSOs(t, c2, 5000, 10)
	require.Greater(t, after[0], before[len(before)-1])
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	start := time.Now()
	_, err = pd.NewClient(context.Background(), []string{addr}, security.Config{}, nil,
		pd.WithConnectTimeout(500*time.Millisecond))
	require.ErrorIs(t, err, pd.ErrUnreachable)
	require.ErrorContains(t, err, addr)
	require.Less(t, time.Since(start), 5*time.Second)
}

func TestCanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := pd.NewClient(ctx, []string{"127.0.0.1:1"}, security.Config{}, nil)
	require.ErrorIs(t, err, context.Canceled)
}

func TestBadArguments(t *testing.T) {
	_, err := pd.NewClient(context.Background(), []string{" , "}, security.Config{}, nil)
	require.ErrorIs(t, err, pd.ErrNoURLs)
	_, err = pd.NewClient(context.Background(), []string{"127.0.0.1:1"}, security.Config{SSLCA: "/nonexistent/ca.pem"}, nil)
	require.ErrorContains(t, err, "ssl-ca")
}

func TestTSOAfterClose(t *testing.T) {
	s := pdlitetest.Start(t)
	c, err := pd.NewClient(context.Background(), []string{s.ClientURL()}, security.Config{}, nil)
	require.NoError(t, err)
	c.Close()
	_, err = c.TSO(context.Background())
	require.Error(t, err)
}
