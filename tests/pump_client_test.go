//go:build integration

package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite"
	"github.com/openbinlog/tidb-binlog/pkg/pumpclient"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/pump"
)

// The pump client (pkg/pumpclient) against real pumps: in-process pump
// daemons behind recording proxies, on an in-process pd-lite. (The
// client's own tests use fake pumps; a library's tests compile only the
// library.)

const pcWaitFor, pcTick = 30 * time.Second, 10 * time.Millisecond

// pcPump is an in-process pump daemon behind a recording proxy. The pump
// advertises the proxy's address, so the client's traffic goes through it;
// the data directory survives restarts.
type pcPump struct {
	t     testing.TB
	pd    *pdlite.Server
	id    string
	dir   string
	proxy *pcProxy
	srv   *pump.Server
}

func startPCPump(t testing.TB, pdl *pdlite.Server, id string) *pcPump {
	r := &pcPump{t: t, pd: pdl, id: id, dir: t.TempDir(), proxy: startPCProxy(t)}
	r.start()
	t.Cleanup(r.close)
	return r
}

func (r *pcPump) start() {
	r.t.Helper()
	cfg := pump.DefaultConfig()
	cfg.ListenAddr = "127.0.0.1:0"
	cfg.AdvertiseAddr = r.proxy.addr
	cfg.PDURLs = r.pd.ClientURL()
	cfg.DataDir = r.dir
	cfg.NodeID = r.id
	cfg.HeartbeatInterval = 1
	cfg.Storage.StopWriteAtAvailableSpace = 1 << 20
	srv, err := pump.NewServer(cfg, zaptest.NewLogger(r.t, zaptest.Level(zap.WarnLevel)).Named(r.id))
	require.NoError(r.t, err)
	require.NoError(r.t, srv.Start())
	r.srv = srv
	r.proxy.connect(srv.Addr())
}

func (r *pcPump) close() {
	if r.srv != nil {
		require.NoError(r.t, r.srv.Close())
		r.srv = nil
	}
}

// pause applies the pause action through the pump's HTTP API, as binlogctl
// pause-pump does, and waits until the pump has shut down.
func (r *pcPump) pause() {
	r.t.Helper()
	url := fmt.Sprintf("http://%s/state/%s/pause", r.srv.Addr(), r.id)
	req, err := http.NewRequest(http.MethodPut, url, nil)
	require.NoError(r.t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(r.t, err)
	defer resp.Body.Close()
	var body struct {
		Code int `json:"code"`
	}
	require.NoError(r.t, json.NewDecoder(resp.Body).Decode(&body))
	require.Equal(r.t, 200, body.Code)
	select {
	case <-r.srv.Done():
	case <-time.After(30 * time.Second):
		r.t.Fatal("paused pump did not shut down")
	}
	r.srv = nil
}

// pullCommitted streams the pump's commit binlogs (fake ones skipped) until
// every start_ts of want was seen or the time is up, and returns what it saw.
func (r *pcPump) pullCommitted(want map[int64]bool, clusterID uint64) map[int64]bool {
	r.t.Helper()
	conn, err := grpc.NewClient("passthrough:///"+r.srv.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(r.t, err)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stream, err := binlogpb.NewPumpClient(conn).PullBinlogs(ctx, &binlogpb.PullBinlogReq{ClusterID: clusterID, StartFrom: &binlogpb.Pos{}})
	require.NoError(r.t, err)
	seen := map[int64]bool{}
	missing := len(want)
	for missing > 0 {
		resp, err := stream.Recv()
		if err != nil {
			break
		}
		m := resp.GetEntity().GetMeta()
		if m.GetStartTs() == m.GetCommitTs() {
			continue // fake binlog
		}
		if want[m.GetStartTs()] && !seen[m.GetStartTs()] {
			missing--
		}
		seen[m.GetStartTs()] = true
	}
	return seen
}

// pcTSO returns a PD timestamp source closed in t.Cleanup.
func pcTSO(t testing.TB, pdl *pdlite.Server) func(context.Context) (int64, error) {
	cli, err := pd.NewClient(context.Background(), []string{pdl.ClientURL()}, security.Config{}, nil)
	require.NoError(t, err)
	t.Cleanup(cli.Close)
	return cli.TSO
}

// pcClient opens a client with short intervals, closed in t.Cleanup.
func pcClient(t testing.TB, pdl *pdlite.Server, timeout time.Duration, opts ...pumpclient.Option) *pumpclient.PumpsClient {
	base := []pumpclient.Option{
		pumpclient.WithLogger(zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel))),
		pumpclient.WithDetectInterval(100 * time.Millisecond),
		pumpclient.WithRetryInterval(10 * time.Millisecond),
		pumpclient.WithCommitRetryInterval(20 * time.Millisecond),
		pumpclient.WithCommitBinlogTimeout(2 * time.Second),
		pumpclient.WithDialTimeout(time.Second),
	}
	cli, err := pumpclient.NewPumpsClient(pdl.ClientURL(), pumpclient.Range, timeout, security.Config{}, append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(cli.Close)
	return cli
}

// pcLoad runs writers that each loop over prewrite, then commit, with real
// PD timestamps, the way TiDB's 2PC uses the client.
type pcLoad struct {
	cli    *pumpclient.PumpsClient
	tso    func(context.Context) (int64, error)
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	done   atomic.Int64 // completed transactions

	mu        sync.Mutex
	calledAt  map[int64]time.Time // start_ts -> when WriteBinlog(prewrite) was called
	committed []int64             // start_ts of transactions whose prewrite succeeded
	errs      []error
}

func startPCLoad(cli *pumpclient.PumpsClient, tso func(context.Context) (int64, error), writers int) *pcLoad {
	ctx, cancel := context.WithCancel(context.Background())
	l := &pcLoad{cli: cli, tso: tso, ctx: ctx, cancel: cancel, calledAt: map[int64]time.Time{}}
	for range writers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for l.ctx.Err() == nil {
				l.txn()
			}
		}()
	}
	return l
}

func (l *pcLoad) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *pcLoad) txn() {
	start, err := l.tso(l.ctx)
	if err != nil {
		if l.ctx.Err() == nil {
			l.fail(err)
		}
		return
	}
	l.mu.Lock()
	l.calledAt[start] = time.Now()
	l.mu.Unlock()
	if err := l.cli.WriteBinlog(binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, start, 0)); err != nil {
		l.fail(err)
		return
	}
	commit, err := l.tso(context.Background())
	if err != nil {
		l.fail(err)
		return
	}
	_ = l.cli.WriteBinlog(binlogpb.NewBinlog(binlogpb.BinlogType_Commit, start, commit)) // never fails
	l.mu.Lock()
	l.committed = append(l.committed, start)
	l.mu.Unlock()
	l.done.Add(1)
}

// waitMore waits until k more transactions completed.
func (l *pcLoad) waitMore(t *testing.T, k int64) {
	t.Helper()
	target := l.done.Load() + k
	require.Eventually(t, func() bool { return l.done.Load() >= target }, pcWaitFor, pcTick)
}

func (l *pcLoad) stop() {
	l.cancel()
	l.wg.Wait()
}

func pcOKCalls(p *pcProxy, tp binlogpb.BinlogType) map[int64]bool {
	out := map[int64]bool{}
	for _, c := range p.snapshot() {
		if c.ok && !c.probe && c.tp == tp {
			out[c.startTS] = true
		}
	}
	return out
}

// pcQuiet waits until no prewrite has reached p for a while: the client no
// longer starts transactions on that pump (commits of earlier ones still
// go there).
func pcQuiet(t *testing.T, p *pcProxy) {
	t.Helper()
	require.Eventually(t, func() bool { return time.Since(p.lastPrewrite()) > 500*time.Millisecond }, pcWaitFor, pcTick)
}
