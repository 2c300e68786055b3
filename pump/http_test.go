package pump

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/tso"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

func httpDo(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func putAction(t *testing.T, s *Server, nodeID, action string) string {
	t.Helper()
	code, body := httpDo(t, http.MethodPut, "http://"+s.Addr()+"/state/"+nodeID+"/"+action)
	require.Equal(t, http.StatusOK, code)
	return strings.TrimSpace(body)
}

func TestHTTPEndpoints(t *testing.T) {
	c := newCluster(t)
	s := startPump(t, c.config(t, dataDir(t), "pump-1"))
	base := "http://" + s.Addr()
	c.putDrainer(t, "drainer-1", "127.0.0.1:8249", registry.Paused, 42)

	t.Run("status", func(t *testing.T) {
		code, body := httpDo(t, http.MethodGet, base+"/status")
		require.Equal(t, http.StatusOK, code)
		var st StatusResponse
		require.NoError(t, json.Unmarshal([]byte(body), &st))
		require.Empty(t, st.ErrMsg)
		require.Positive(t, st.CommitTS)
		require.Equal(t, registry.Online, st.Status["pump-1"].State)
		require.Contains(t, body, `"Checkpoint":{}`)
	})
	t.Run("drainers", func(t *testing.T) {
		code, body := httpDo(t, http.MethodGet, base+"/drainers")
		require.Equal(t, http.StatusOK, code)
		var ds []*registry.Status
		require.NoError(t, json.Unmarshal([]byte(body), &ds))
		require.Len(t, ds, 1)
		require.Equal(t, "drainer-1", ds[0].NodeID)
		require.EqualValues(t, 42, ds[0].MaxCommitTS)
	})
	t.Run("binlog by ts", func(t *testing.T) {
		start := nextTS(t, s)
		pv := &binlogpb.PrewriteValue{SchemaVersion: proto.Int64(7), Mutations: []*binlogpb.TableMutation{{TableId: proto.Int64(99)}}}
		b := prewrite(start, "")
		var err error
		b.PrewriteValue, err = proto.Marshal(pv)
		require.NoError(t, err)
		require.NoError(t, write(t, dial(t, s.Addr()), s.ClusterID(), b))
		// The write is acknowledged once durable in the value log; the index
		// that /debug/binlog reads is written right after, asynchronously.
		var code int
		var body string
		require.Eventually(t, func() bool {
			code, body = httpDo(t, http.MethodGet, base+"/debug/binlog/"+strconv.FormatInt(start, 10))
			return code == http.StatusOK
		}, 10*time.Second, 5*time.Millisecond, "the stored binlog never became readable")
		require.Contains(t, body, strconv.FormatInt(start, 10))
		require.Contains(t, body, "PrewriteValue:")
		require.Contains(t, body, "99")
		code, _ = httpDo(t, http.MethodGet, base+"/debug/binlog/123")
		require.Equal(t, http.StatusNotFound, code)
		code, body = httpDo(t, http.MethodGet, base+"/debug/binlog/abc")
		require.Equal(t, http.StatusBadRequest, code)
		require.Contains(t, body, "invalid parameter ts: abc")
	})
	t.Run("big binlog summarized", func(t *testing.T) {
		start := nextTS(t, s)
		b := prewrite(start, strings.Repeat("x", maxDebugBinlog+1))
		require.NoError(t, write(t, dial(t, s.Addr()), s.ClusterID(), b))
		var code int
		var body string
		require.Eventually(t, func() bool {
			code, body = httpDo(t, http.MethodGet, base+"/debug/binlog/"+strconv.FormatInt(start, 10))
			return code == http.StatusOK
		}, 10*time.Second, 5*time.Millisecond, "the stored binlog never became readable")
		require.Less(t, len(body), 1024)
		require.Contains(t, body, "start_ts: "+strconv.FormatInt(start, 10))
		require.Contains(t, body, "not printed")
	})
	t.Run("gc trigger", func(t *testing.T) {
		code, body := httpDo(t, http.MethodPost, base+"/debug/gc/trigger")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, []string{"trigger gc success\n", "gc is working\n"}, body)
		code, _ = httpDo(t, http.MethodGet, base+"/debug/gc/trigger")
		require.Equal(t, http.StatusMethodNotAllowed, code)
	})
	t.Run("metrics", func(t *testing.T) {
		code, body := httpDo(t, http.MethodGet, base+"/metrics")
		require.Equal(t, http.StatusOK, code)
		for _, name := range []string{
			`binlog_pump_rpc_duration_seconds_count{label="succ",method="WriteBinlog"}`,
			"binlog_pump_loss_binlog_count 0",
			"go_goroutines", "process_cpu_seconds_total",
			"binlog_pump_storage_max_commit_ts",
		} {
			require.Contains(t, body, name)
		}
	})
	t.Run("http2 cleartext", func(t *testing.T) {
		protocols := new(http.Protocols)
		protocols.SetUnencryptedHTTP2(true)
		hc := &http.Client{Transport: &http.Transport{Protocols: protocols}}
		defer hc.CloseIdleConnections()
		resp, err := hc.Get(base + "/drainers")
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, 2, resp.ProtoMajor)
	})
	t.Run("pprof", func(t *testing.T) {
		code, body := httpDo(t, http.MethodGet, base+"/debug/pprof/")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, body, "goroutine")
	})
}

func TestDrainerBehindGCIsReported(t *testing.T) {
	c := newCluster(t)
	cfg := c.config(t, dataDir(t), "pump-1")
	cfg.GC = Retention{time.Millisecond}
	s := startPump(t, cfg)
	c.putDrainer(t, "drainer-late", "127.0.0.1:1", registry.Online, 1)
	c.putDrainer(t, "drainer-off", "127.0.0.1:2", registry.Offline, 1)
	cli := dial(t, s.Addr())

	// A commit ts an hour ahead puts the watermark above the GC point.
	start := nextTS(t, s)
	require.NoError(t, write(t, cli, s.ClusterID(), prewrite(start, "x")))
	commit := tso.FromTime(time.Now().Add(time.Hour))
	require.NoError(t, write(t, cli, s.ClusterID(), binlogpb.NewBinlog(binlogpb.BinlogType_Commit, start, commit)))
	require.Eventually(t, func() bool { return s.store.MaxCommitTS() == commit }, waitFor, tick)

	base := "http://" + s.Addr()
	require.Eventually(t, func() bool {
		_, body := httpDo(t, http.MethodPost, base+"/debug/gc/trigger")
		return body == "trigger gc success\n"
	}, waitFor, tick)
	require.Eventually(t, func() bool { return len(s.laggingDrainers()) == 1 }, waitFor, tick)
	require.Positive(t, s.store.GCTS())
	lag := s.laggingDrainers()[0]
	require.Equal(t, DrainerLag{NodeID: "drainer-late", MaxCommitTS: 1, GCTS: s.store.GCTS()}, lag)
	require.EqualValues(t, 1, metricValue(t, s.metrics.drainerPurge.WithLabelValues("drainer-late")))

	_, body := httpDo(t, http.MethodGet, base+"/status")
	var st StatusResponse
	require.NoError(t, json.Unmarshal([]byte(body), &st))
	require.Equal(t, []DrainerLag{lag}, st.DrainersBehindGC)
	_, body = httpDo(t, http.MethodGet, base+"/metrics")
	require.Contains(t, body, `binlog_pump_detected_drainer_binlog_purge_count{id="drainer-late"} 1`)
}

func TestPushMetrics(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
	}))
	defer gw.Close()
	c := newCluster(t)
	cfg := c.config(t, dataDir(t), "pump-1")
	cfg.MetricsAddr = strings.TrimPrefix(gw.URL, "http://")
	cfg.MetricsInterval = 1
	s := startPump(t, cfg)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(paths) > 0
	}, waitFor, tick)
	mu.Lock()
	require.Equal(t, "PUT /metrics/job/binlog/instance/pump-1", paths[0])
	mu.Unlock()
	require.NoError(t, s.Close())
}

func TestStatusWithoutEtcd(t *testing.T) {
	c := newCluster(t)
	s := startPump(t, c.config(t, dataDir(t), "pump-1"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := httptest.NewRecorder()
	s.handleStatus(rec, httptest.NewRequest(http.MethodGet, "/status", nil).WithContext(ctx))
	var st StatusResponse
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &st))
	require.NotEmpty(t, st.ErrMsg)
}
