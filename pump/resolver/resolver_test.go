package resolver

import (
	"context"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/tso"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/pump/storage"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeTiDB serves /mvcc/hex bodies by request path and records the paths asked.
type fakeTiDB struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies map[string]string // path -> body
	asked  []string
	hits   atomic.Int64
	status int // non-zero: answer every request with this status
}

func newFakeTiDB(t *testing.T, tlsServer bool) *fakeTiDB {
	f := &fakeTiDB{bodies: make(map[string]string)}
	h := http.HandlerFunc(f.serve)
	if tlsServer {
		f.srv = httptest.NewTLSServer(h)
	} else {
		f.srv = httptest.NewServer(h)
	}
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTiDB) serve(w http.ResponseWriter, r *http.Request) {
	f.hits.Add(1)
	f.mu.Lock()
	f.asked = append(f.asked, r.Method+" "+r.URL.Path)
	body, ok := f.bodies[r.URL.Path]
	status := f.status
	f.mu.Unlock()
	if status != 0 {
		http.Error(w, "injected failure", status)
		return
	}
	if !ok {
		http.Error(w, "no such key", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(body))
}

func (f *fakeTiDB) set(keyHex, body string) {
	f.mu.Lock()
	f.bodies["/mvcc/hex/"+strings.ToLower(keyHex)] = body
	f.mu.Unlock()
}

func (f *fakeTiDB) lastAsked() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.asked) == 0 {
		return ""
	}
	return f.asked[len(f.asked)-1]
}

// fixedTSO returns a TSO at a fixed offset from a base ts.
type fixedTSO struct {
	ts  int64
	err error
}

func (f fixedTSO) TSO(context.Context) (int64, error) { return f.ts, f.err }

func tsoAfter(startTS int64, d time.Duration) fixedTSO {
	return fixedTSO{ts: tso.Compose(tso.Physical(startTS)+d.Milliseconds(), 1)}
}

type fakeTopology struct {
	insts []registry.TiDBInfo
	err   error
}

func (f fakeTopology) TiDBInstances(context.Context) ([]registry.TiDBInfo, error) {
	return f.insts, f.err
}

func prewrite(t *testing.T, startTS int64, keyHex string) *binlogpb.Binlog {
	t.Helper()
	b := binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, startTS, 0)
	if keyHex != "" {
		key, err := hex.DecodeString(keyHex)
		require.NoError(t, err)
		b.PrewriteKey = key
	}
	return b
}

// TestResolveGoldenBodies serves every captured body byte-exact and checks the resolution.
func TestResolveGoldenBodies(t *testing.T) {
	g := loadGolden(t)
	tests := []struct {
		name     string
		startTS  int64
		age      time.Duration
		status   storage.TxnStatus
		commitTS int64
	}{
		{"committed_txn_primary", 470626763215994880, time.Second, storage.TxnCommitted, 470626763216257024},
		{"rolled_back_txn_primary", 470626763386912768, time.Second, storage.TxnRolledBack, 0},
		{"rolled_back_txn_primary", 470626763467390976, time.Second, storage.TxnCommitted, 470626763467390977},
		{"committed_single_put", 470626761930178560, time.Second, storage.TxnCommitted, 470626761930178561},
		{"inflight_pessimistic_lock", 470626763641716736, time.Second, storage.TxnUnknown, 0},
		{"inflight_pessimistic_lock", 470626763641716736, time.Hour, storage.TxnUnknown, 0}, // a live lock always waits
		{"inflight_prewrite_lock", 470626763641978880, time.Second, storage.TxnUnknown, 0},
		{"inflight_prewrite_lock", 470626763641978880, time.Hour, storage.TxnUnknown, 0},
		{"rolled_back_prewrite", 470626763641978880, time.Second, storage.TxnRolledBack, 0},
		{"nonexistent_key", 470626763641978880, time.Second, storage.TxnUnknown, 0},
		{"nonexistent_key", 470626763641978880, DefaultMaxTxnTimeout, storage.TxnUnknown, 0},
		{"nonexistent_key", 470626763641978880, DefaultMaxTxnTimeout + time.Second, storage.TxnRolledBack, 0},
		{"committed (TiKV-shaped)", 440000000000000010, time.Second, storage.TxnCommitted, 440000000000000011},
		{"rolled back newest-first (TiKV-shaped)", 440000000000000050, time.Second, storage.TxnRolledBack, 0},
		{"in-flight prewrite lock (TiKV-shaped)", 440000000000000100, time.Second, storage.TxnUnknown, 0},
		{"in-flight delete lock (TiKV-shaped)", 440000000000000100, time.Second, storage.TxnUnknown, 0},
		{"in-flight pessimistic lock (TiKV-shaped)", 440000000000000100, time.Second, storage.TxnUnknown, 0},
		{"key without any version (empty MvccInfo)", 440000000000000100, time.Hour, storage.TxnRolledBack, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.age.String(), func(t *testing.T) {
			c := g[tt.name]
			tidb := newFakeTiDB(t, false)
			tidb.set(c.KeyHex, c.body())
			r := New(Config{StatusURLs: []string{tidb.srv.URL}, TSO: tsoAfter(tt.startTS, tt.age)})
			res, err := r.Resolve(context.Background(), prewrite(t, tt.startTS, c.KeyHex))
			require.NoError(t, err)
			require.Equal(t, tt.status, res.Status)
			require.Equal(t, tt.commitTS, res.CommitTS)
			if c.HTTPRequest != "" {
				require.Equal(t, c.HTTPRequest, tidb.lastAsked(), "request path like TiDB's own client")
			}
		})
	}
}

func TestResolveTimeoutWarns(t *testing.T) {
	core, logs := observer.New(zapcore.WarnLevel)
	tidb := newFakeTiDB(t, false)
	const key = "7480000000000000565F7280000000000003E7"
	tidb.set(key, loadGolden(t)["nonexistent_key"].body())
	const start = int64(470626763641978880)
	r := New(Config{
		StatusURLs: []string{tidb.srv.URL + "/"}, MaxTxnTimeout: 10 * time.Second,
		TSO: tsoAfter(start, 11*time.Second), Logger: zap.New(core),
	})
	res, err := r.Resolve(context.Background(), prewrite(t, start, key))
	require.NoError(t, err)
	require.Equal(t, storage.TxnRolledBack, res.Status)
	entries := logs.FilterMessageSnippet("max txn timeout").All()
	require.Len(t, entries, 1)
	require.Equal(t, start, entries[0].ContextMap()["startTS"])
	require.Equal(t, "resolver", entries[0].ContextMap()["component"])
}

func TestResolveTopologyFailover(t *testing.T) {
	c := loadGolden(t)["committed_txn_primary"]
	bad := newFakeTiDB(t, false)
	bad.status = http.StatusInternalServerError
	good := newFakeTiDB(t, false)
	good.set(c.KeyHex, c.body())
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()

	topo := fakeTopology{insts: []registry.TiDBInfo{
		{Addr: "dead:4000", StatusURL: deadURL},
		{Addr: "bad:4000", StatusURL: bad.srv.URL},
		{Addr: "good:4000", StatusURL: good.srv.URL},
	}}
	r := New(Config{Topology: topo, TSO: tsoAfter(470626763215994880, time.Second)})
	b := prewrite(t, 470626763215994880, c.KeyHex)
	res, err := r.Resolve(context.Background(), b)
	require.NoError(t, err)
	require.Equal(t, storage.Resolution{Status: storage.TxnCommitted, CommitTS: 470626763216257024}, res)
	require.Equal(t, int64(1), bad.hits.Load())

	// The instance that answered is asked first next time.
	_, err = r.Resolve(context.Background(), b)
	require.NoError(t, err)
	require.Equal(t, int64(1), bad.hits.Load())
	require.Equal(t, int64(2), good.hits.Load())
}

func TestResolveErrors(t *testing.T) {
	c := loadGolden(t)["nonexistent_key"]
	b := prewrite(t, 470626763641978880, c.KeyHex)
	ctx := context.Background()

	t.Run("no instances", func(t *testing.T) {
		_, err := New(Config{Topology: fakeTopology{}}).Resolve(ctx, b)
		require.ErrorIs(t, err, ErrNoTiDB)
		_, err = New(Config{}).Resolve(ctx, b)
		require.ErrorIs(t, err, ErrNoTiDB)
	})
	t.Run("topology error", func(t *testing.T) {
		boom := errors.New("etcd down")
		_, err := New(Config{Topology: fakeTopology{err: boom}}).Resolve(ctx, b)
		require.ErrorIs(t, err, boom)
	})
	t.Run("all unreachable", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		failing := newFakeTiDB(t, false)
		failing.status = http.StatusBadGateway
		_, err := New(Config{StatusURLs: []string{dead.URL, failing.srv.URL}}).Resolve(ctx, b)
		require.ErrorIs(t, err, ErrUnavailable)
		require.Contains(t, err.Error(), "status 502")
	})
	t.Run("error inside the answer", func(t *testing.T) {
		tidb := newFakeTiDB(t, false)
		tidb.set(c.KeyHex, `{"key":"x","value":{"error":"txn not found"}}`)
		_, err := New(Config{StatusURLs: []string{tidb.srv.URL}}).Resolve(ctx, b)
		require.ErrorIs(t, err, ErrUnavailable)
		require.ErrorIs(t, err, ErrBadMVCC)
	})
	t.Run("tso error", func(t *testing.T) {
		tidb := newFakeTiDB(t, false)
		tidb.set(c.KeyHex, c.body())
		boom := errors.New("pd down")
		_, err := New(Config{StatusURLs: []string{tidb.srv.URL}, TSO: fixedTSO{err: boom}}).Resolve(ctx, b)
		require.ErrorIs(t, err, boom)
	})
	t.Run("commit ts not after start", func(t *testing.T) {
		tidb := newFakeTiDB(t, false)
		tidb.set(c.KeyHex, `{"value":{"info":{"writes":[{"start_ts":470626763641978880,"commit_ts":5}]}}}`)
		_, err := New(Config{StatusURLs: []string{tidb.srv.URL}}).Resolve(ctx, b)
		require.ErrorIs(t, err, ErrBadMVCC)
	})
	t.Run("cancelled", func(t *testing.T) {
		tidb := newFakeTiDB(t, false)
		tidb.set(c.KeyHex, c.body())
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := New(Config{StatusURLs: []string{tidb.srv.URL, tidb.srv.URL}}).Resolve(cctx, b)
		require.ErrorIs(t, err, context.Canceled)
		require.Zero(t, tidb.hits.Load())
	})
}

func TestResolveWithoutPrewriteKey(t *testing.T) {
	tidb := newFakeTiDB(t, false)
	const start = int64(440000000000000100)
	r := New(Config{StatusURLs: []string{tidb.srv.URL}, TSO: tsoAfter(start, time.Minute)})
	res, err := r.Resolve(context.Background(), prewrite(t, start, ""))
	require.NoError(t, err)
	require.Equal(t, storage.TxnUnknown, res.Status)

	r = New(Config{StatusURLs: []string{tidb.srv.URL}, TSO: tsoAfter(start, time.Hour)})
	res, err = r.Resolve(context.Background(), prewrite(t, start, ""))
	require.NoError(t, err)
	require.Equal(t, storage.TxnRolledBack, res.Status)
	require.Zero(t, tidb.hits.Load(), "nothing to ask without a key")
}

func TestResolveLocalClockWithoutTSO(t *testing.T) {
	tidb := newFakeTiDB(t, false)
	c := loadGolden(t)["nonexistent_key"]
	tidb.set(c.KeyHex, c.body())
	r := New(Config{StatusURLs: []string{tidb.srv.URL}})
	recent := tso.FromTime(time.Now().Add(-time.Second))
	res, err := r.Resolve(context.Background(), prewrite(t, recent, c.KeyHex))
	require.NoError(t, err)
	require.Equal(t, storage.TxnUnknown, res.Status)
	old := tso.FromTime(time.Now().Add(-DefaultMaxTxnTimeout - time.Minute))
	res, err = r.Resolve(context.Background(), prewrite(t, old, c.KeyHex))
	require.NoError(t, err)
	require.Equal(t, storage.TxnRolledBack, res.Status)
}

func TestResolveTLS(t *testing.T) {
	c := loadGolden(t)["rolled_back_prewrite"]
	tidb := newFakeTiDB(t, true)
	tidb.set(c.KeyHex, c.body())
	pool := x509.NewCertPool()
	pool.AddCert(tidb.srv.Certificate())
	hostPort := strings.TrimPrefix(tidb.srv.URL, "https://")

	tlsCfg := tidb.srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	tlsCfg.RootCAs = pool
	for _, u := range []string{hostPort, "http://" + hostPort} { // scheme added or switched to https
		r := New(Config{StatusURLs: []string{u}, TLS: tlsCfg})
		res, err := r.Resolve(context.Background(), prewrite(t, 470626763641978880, c.KeyHex))
		require.NoError(t, err, u)
		require.Equal(t, storage.TxnRolledBack, res.Status)
		r.client.CloseIdleConnections()
	}
	require.Equal(t, int64(2), tidb.hits.Load())
}
