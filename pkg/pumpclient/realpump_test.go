package pumpclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/pump"
)

// realPump is an in-process pump daemon behind a recording proxy. The pump
// advertises the proxy's address, so the client's traffic goes through it;
// the data directory survives restarts.
type realPump struct {
	t      testing.TB
	direct bool // no proxy: the pump advertises its own address
	noSync bool // storage sync-log off
	c      *testCluster
	id     string
	dir    string
	proxy  *recordingProxy
	srv    *pump.Server
}

func startRealPump(c *testCluster, id string) *realPump {
	r := &realPump{t: c.t, c: c, id: id, dir: c.t.TempDir(), proxy: startRecordingProxy(c.t)}
	r.start()
	c.t.Cleanup(r.close)
	return r
}

// startDirectPump starts a pump the client reaches without a proxy.
func startDirectPump(c *testCluster, id string, syncLog bool) *realPump {
	r := &realPump{t: c.t, c: c, id: id, dir: c.t.TempDir(), direct: true, noSync: !syncLog}
	r.start()
	c.t.Cleanup(r.close)
	return r
}

func (r *realPump) start() {
	r.t.Helper()
	cfg := pump.DefaultConfig()
	cfg.ListenAddr = "127.0.0.1:0"
	cfg.AdvertiseAddr = "127.0.0.1:0" // the real port
	if !r.direct {
		cfg.AdvertiseAddr = r.proxy.addr
	}
	cfg.Storage.SyncLog = !r.noSync
	cfg.PDURLs = r.c.pd.ClientURL()
	cfg.DataDir = r.dir
	cfg.NodeID = r.id
	cfg.HeartbeatInterval = 1
	cfg.Storage.StopWriteAtAvailableSpace = 1 << 20
	srv, err := pump.NewServer(cfg, zaptest.NewLogger(r.t, zaptest.Level(zap.WarnLevel)).Named(r.id))
	require.NoError(r.t, err)
	require.NoError(r.t, srv.Start())
	r.srv = srv
	if !r.direct {
		r.proxy.connect(srv.Addr())
	}
}

func (r *realPump) close() {
	if r.srv != nil {
		require.NoError(r.t, r.srv.Close())
		r.srv = nil
	}
}

// pause applies the pause action through the pump's HTTP API, as binlogctl
// pause-pump does, and waits until the pump has shut down.
func (r *realPump) pause() {
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
func (r *realPump) pullCommitted(want map[int64]bool, clusterID uint64) map[int64]bool {
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

// newTSO returns a PD timestamp source closed in t.Cleanup.
func newTSO(t testing.TB, c *testCluster) func(context.Context) (int64, error) {
	cli, err := pd.NewClient(context.Background(), []string{c.pd.ClientURL()}, security.Config{}, nil)
	require.NoError(t, err)
	t.Cleanup(cli.Close)
	return cli.TSO
}
