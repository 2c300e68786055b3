package binlogctl

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/stretchr/testify/require"
)

// startRegistry starts pd-lite and returns a registry on it and its URL.
func startRegistry(t *testing.T) (*registry.Registry, string) {
	t.Helper()
	srv := pdlitetest.Start(t)
	cli, err := registry.NewEtcdClient([]string{srv.ClientURL()}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cli.Close() })
	return registry.New(cli, nil), srv.ClientURL()
}

func addNode(t *testing.T, reg *registry.Registry, kind, id, addr, state string, maxCommitTS int64) {
	t.Helper()
	st := &registry.Status{NodeID: id, Addr: addr, State: state, MaxCommitTS: maxCommitTS,
		UpdateTS: pd.ComposeTS(1556443797123, 5)}
	require.NoError(t, reg.CreateNode(context.Background(), kind, st))
}

func TestFormatNode(t *testing.T) {
	st := &registry.Status{NodeID: "1.1.1.1:8250", Addr: "pump:8250", State: "online",
		MaxCommitTS: 408012403141509121, UpdateTS: pd.ComposeTS(1556443797999, 3)}
	got := formatNode(st)
	want := fmt.Sprintf("{NodeID: 1.1.1.1:8250, Addr: pump:8250, State: online, MaxCommitTS: 408012403141509121, UpdateTime: %s}",
		time.Unix(1556443797, 0).String())
	require.Equal(t, want, got)
	// The time is printed with Go's default layout and reads back to the second.
	s := strings.TrimSuffix(got[strings.Index(got, "UpdateTime: ")+len("UpdateTime: "):], "}")
	back, err := time.Parse("2006-01-02 15:04:05 -0700 MST", s)
	require.NoError(t, err)
	require.Equal(t, int64(1556443797), back.Unix())
}

func TestPrinterLine(t *testing.T) {
	var out bytes.Buffer
	p := newPrinter(&out)
	p.now = func() time.Time { return time.Date(2019, 4, 28, 9, 29, 59, 16e6, time.UTC) }
	require.NoError(t, p.info("query node", kv("type", "pump"), kv("node", "{NodeID: a, State: online}"), kv("k", "")))
	require.Equal(t, `[2019/04/28 09:29:59.016 +00:00] [INFO] ["query node"] [type=pump] [node="{NodeID: a, State: online}"] [k=""]`+"\n", out.String())
}

func TestQueryNodes(t *testing.T) {
	reg, _ := startRegistry(t)
	ctx := context.Background()
	addNode(t, reg, registry.KindPump, "pump-b:8250", "127.0.0.1:8251", registry.Online, 42)
	addNode(t, reg, registry.KindPump, "pump-a:8250", "127.0.0.1:8250", registry.Offline, 41)
	addNode(t, reg, registry.KindDrainer, "drainer:8249", "127.0.0.1:8249", registry.Paused, 40)

	var out bytes.Buffer
	require.NoError(t, QueryNodes(ctx, &out, reg, registry.KindPump, false, nil))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 1, "offline pumps are hidden")
	require.Contains(t, lines[0], `[INFO] ["query node"] [type=pump] [node="{NodeID: pump-b:8250, Addr: 127.0.0.1:8251, State: online, MaxCommitTS: 42, UpdateTime: `)

	out.Reset()
	require.NoError(t, QueryNodes(ctx, &out, reg, registry.KindPump, true, nil))
	lines = strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2)
	require.Contains(t, lines[0], "NodeID: pump-a:8250, Addr: 127.0.0.1:8250, State: offline, MaxCommitTS: 41")

	out.Reset()
	require.NoError(t, QueryNodes(ctx, &out, reg, registry.KindDrainer, false, nil))
	require.Contains(t, out.String(), `[type=drainer] [node="{NodeID: drainer:8249, Addr: 127.0.0.1:8249, State: paused, MaxCommitTS: 40`)
}

type fixedGC struct {
	ts int64
	ok bool
}

func (f fixedGC) GCPoint(context.Context) (int64, bool) { return f.ts, f.ok }

func TestQueryDrainersWarnsBehindGC(t *testing.T) {
	reg, _ := startRegistry(t)
	ctx := context.Background()
	addNode(t, reg, registry.KindDrainer, "d-behind", "127.0.0.1:1", registry.Online, 100)
	addNode(t, reg, registry.KindDrainer, "d-ok", "127.0.0.1:2", registry.Online, 300)
	addNode(t, reg, registry.KindDrainer, "d-gone", "127.0.0.1:3", registry.Offline, 10)

	var out bytes.Buffer
	require.NoError(t, QueryNodes(ctx, &out, reg, registry.KindDrainer, false, fixedGC{ts: 200, ok: true}))
	warns := grepLines(out.String(), "[WARN]")
	require.Len(t, warns, 1)
	require.Contains(t, warns[0], "[nodeID=d-behind] [maxCommitTS=100] [gcTS=200]")

	out.Reset()
	require.NoError(t, QueryNodes(ctx, &out, reg, registry.KindDrainer, false, fixedGC{}))
	require.Empty(t, grepLines(out.String(), "[WARN]"))

	// From the pumps' /status answers.
	pump := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "/status", r.URL.Path)
		fmt.Fprint(w, `{"status":{},"CommitTS":1,"DrainersBehindGC":[{"nodeId":"d-behind","maxCommitTS":100,"gcTS":250}]}`)
	}))
	defer pump.Close()
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, `{"status":{}}`) }))
	defer silent.Close()
	addNode(t, reg, registry.KindPump, "p1", strings.TrimPrefix(pump.URL, "http://"), registry.Online, 1)
	addNode(t, reg, registry.KindPump, "p2", strings.TrimPrefix(silent.URL, "http://"), registry.Online, 1)
	addNode(t, reg, registry.KindPump, "p3", "127.0.0.1:1", registry.Online, 1) // unreachable: ignored
	gc := &pumpGCPoints{nodes: reg, client: pump.Client(), scheme: "http", timeout: gcQueryTimeout}
	ts, ok := gc.GCPoint(ctx)
	require.True(t, ok)
	require.Equal(t, int64(250), ts)
	out.Reset()
	require.NoError(t, QueryNodes(ctx, &out, reg, registry.KindDrainer, false, gc))
	require.Len(t, grepLines(out.String(), "[WARN]"), 1)
}

func grepLines(s, substr string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return out
}

func TestUpdateNodeState(t *testing.T) {
	reg, _ := startRegistry(t)
	ctx := context.Background()
	addNode(t, reg, registry.KindPump, "p1", "127.0.0.1:8250", registry.Online, 7)

	var out bytes.Buffer
	require.NoError(t, UpdateNodeState(ctx, &out, reg, registry.KindPump, "p1", registry.Offline))
	n, err := reg.Node(ctx, registry.KindPump, "p1")
	require.NoError(t, err)
	require.Equal(t, registry.Offline, n.State)
	require.Equal(t, int64(7), n.MaxCommitTS, "only the state changes")
	require.Contains(t, out.String(), "[nodeID=p1] [state=offline]")

	err = UpdateNodeState(ctx, &out, reg, registry.KindPump, "p1", "sleeping")
	require.ErrorIs(t, err, ErrBadState)
	err = UpdateNodeState(ctx, &out, reg, registry.KindPump, "nope", registry.Paused)
	require.ErrorIs(t, err, registry.ErrNodeNotFound)
	err = UpdateNodeState(ctx, &out, reg, registry.KindDrainer, "p1", registry.Paused)
	require.ErrorIs(t, err, registry.ErrNodeNotFound, "a pump is not a drainer")
	require.ErrorIs(t, UpdateNodeState(ctx, &out, reg, registry.KindPump, "", registry.Paused), ErrNoNodeID)
}

// actionNode is an httptest server standing in for a pump or drainer HTTP API.
type actionNode struct {
	srv   *httptest.Server
	mu    sync.Mutex
	calls []string
	reply string
}

func newActionNode(t *testing.T, reply string) *actionNode {
	n := &actionNode{reply: reply}
	n.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.mu.Lock()
		n.calls = append(n.calls, r.Method+" "+r.URL.Path)
		n.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintln(w, n.reply)
	}))
	t.Cleanup(n.srv.Close)
	return n
}

func (n *actionNode) addr() string { return strings.TrimPrefix(n.srv.URL, "http://") }

func TestApplyAction(t *testing.T) {
	reg, _ := startRegistry(t)
	ctx := context.Background()
	ok := newActionNode(t, `{"message":"apply action pause success!","code":200,"data":null}`)
	refused := newActionNode(t, `{"message":"node p2 is not online: paused","code":3,"data":null}`)
	addNode(t, reg, registry.KindPump, "p1", ok.addr(), registry.Online, 1)
	addNode(t, reg, registry.KindDrainer, "d1", ok.addr(), registry.Online, 1)
	addNode(t, reg, registry.KindPump, "p2", refused.addr(), registry.Paused, 1)
	client := ok.srv.Client()

	var out bytes.Buffer
	require.NoError(t, ApplyAction(ctx, &out, reg, client, "http", registry.KindPump, "p1", ActionPause))
	require.NoError(t, ApplyAction(ctx, &out, reg, client, "http", registry.KindDrainer, "d1", ActionClose))
	require.Equal(t, []string{"PUT /state/p1/pause", "PUT /state/d1/close"}, ok.calls)
	lines := grepLines(out.String(), `["apply action on node success"]`)
	require.Len(t, lines, 2)
	require.Contains(t, lines[0], "[action=pause] [NodeID=p1]")
	require.Contains(t, lines[0], `apply action pause success!`)

	err := ApplyAction(ctx, &out, reg, client, "http", registry.KindPump, "p2", ActionClose)
	require.ErrorIs(t, err, ErrActionFailed)
	require.ErrorContains(t, err, "node p2 is not online: paused")
	require.Equal(t, []string{"PUT /state/p2/close"}, refused.calls)

	err = ApplyAction(ctx, &out, reg, client, "http", registry.KindPump, "ghost", ActionPause)
	require.ErrorIs(t, err, registry.ErrNodeNotFound)
	require.ErrorIs(t, ApplyAction(ctx, &out, reg, client, "http", registry.KindPump, "", ActionPause), ErrNoNodeID)

	addNode(t, reg, registry.KindPump, "dead", "127.0.0.1:1", registry.Online, 1)
	err = ApplyAction(ctx, &out, reg, client, "http", registry.KindPump, "dead", ActionPause)
	require.ErrorContains(t, err, "put http://127.0.0.1:1/state/dead/pause")
}

func TestApplyActionHTTPStatus(t *testing.T) {
	reg, _ := startRegistry(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not found", http.StatusNotFound)
	}))
	defer srv.Close()
	addNode(t, reg, registry.KindPump, "p1", strings.TrimPrefix(srv.URL, "http://"), registry.Online, 1)
	err := ApplyAction(context.Background(), &bytes.Buffer{}, reg, srv.Client(), "http", registry.KindPump, "p1", ActionPause)
	require.ErrorIs(t, err, ErrActionFailed)
	require.ErrorContains(t, err, "http status 404")
}

func TestActionReplyShape(t *testing.T) {
	var r actionReply
	require.NoError(t, json.Unmarshal([]byte(`{"message":"m","code":200,"data":{"ts":5}}`), &r))
	require.Equal(t, 200, r.Code)
	require.JSONEq(t, `{"ts":5}`, string(r.Data))
}
