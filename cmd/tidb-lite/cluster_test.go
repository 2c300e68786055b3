package main

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite"
	"github.com/openbinlog/tidb-binlog/pkg/pdlite/pdlitetest"
	"github.com/openbinlog/tidb-binlog/pkg/tidblite"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/pump"
)

// End-to-end tests: pd-lite, real pumps and tidb-lite in process, SQL
// through go-sql-driver/mysql, binlogs pulled from the pumps.

func TestMain(m *testing.M) {
	pd.SetClientLogger(zap.NewNop())
	goleak.VerifyTestMain(m,
		// goleveldb's memory-pool drainer only notices a closed DB on its
		// next 30 s tick; the pump's storage closes its DB correctly.
		goleak.IgnoreTopFunction("github.com/syndtr/goleveldb/leveldb.(*DB).mpoolDrain"),
	)
}

const waitFor, tick = 30 * time.Second, 20 * time.Millisecond

type cluster struct {
	pd    *pdlite.Server
	pumps []*pump.Server
}

func newCluster(t *testing.T, pumps int) *cluster {
	t.Helper()
	c := &cluster{pd: pdlitetest.Start(t)}
	for i := range pumps {
		cfg := pump.DefaultConfig()
		cfg.ListenAddr = "127.0.0.1:0"
		cfg.PDURLs = c.pd.ClientURL()
		cfg.DataDir = filepath.Join(t.TempDir(), "pump")
		cfg.NodeID = "pump-" + string(rune('a'+i))
		cfg.HeartbeatInterval = 1
		cfg.GenBinlogInterval = pump.SecondsOf(200 * time.Millisecond)
		cfg.Storage.StopWriteAtAvailableSpace = 0
		cfg.Storage.SyncLog = false
		p, err := pump.NewServer(cfg, zap.NewNop())
		require.NoError(t, err)
		t.Cleanup(func() { _ = p.Close() })
		require.NoError(t, p.Start())
		c.pumps = append(c.pumps, p)
	}
	return c
}

// startTiDB starts a tidb-lite with binlog on in the cluster.
func (c *cluster) startTiDB(t *testing.T, change ...func(*tidblite.Config)) *tidblite.Server {
	t.Helper()
	cfg := tidblite.DefaultConfig()
	cfg.Addr, cfg.StatusAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.PDURLs = []string{c.pd.ClientURL()}
	cfg.EnableBinlog = true
	cfg.BinlogWriteTimeout = 5 * time.Second
	cfg.LockTTL = 300 * time.Millisecond
	cfg.TopologyTTL = 5 * time.Second
	for _, f := range change {
		f(&cfg)
	}
	s, err := tidblite.Start(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func openDB(t *testing.T, s *tidblite.Server) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", "root@tcp("+s.Addr()+")/")
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	db.SetMaxOpenConns(1)
	return db
}

func mustExec(t *testing.T, db *sql.DB, queries ...string) {
	t.Helper()
	for _, q := range queries {
		_, err := db.Exec(q)
		require.NoError(t, err, q)
	}
}

// masterPos is SHOW MASTER STATUS's Position (a fresh TSO).
func masterPos(t *testing.T, db *sql.DB) int64 {
	t.Helper()
	var file, doDB, ignoreDB, gtid string
	var pos int64
	require.NoError(t, db.QueryRow("SHOW MASTER STATUS").Scan(&file, &pos, &doDB, &ignoreDB, &gtid))
	require.Equal(t, "tidb-binlog", file)
	return pos
}

// puller collects what a pump streams (PullBinlogs from the start).
type puller struct {
	mu       sync.Mutex
	binlogs  []*binlogpb.Binlog // real ones, in arrival order
	maxTS    int64              // highest commit ts seen, fakes included
	commitTS []int64            // every commit ts, fakes included
	done     chan struct{}
}

func startPuller(t *testing.T, c *cluster, p *pump.Server) *puller {
	t.Helper()
	conn, err := grpc.NewClient(p.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := binlogpb.NewPumpClient(conn).PullBinlogs(ctx, &binlogpb.PullBinlogReq{
		ClusterID: c.pd.ClusterID(), StartFrom: &binlogpb.Pos{},
	})
	require.NoError(t, err)
	pl := &puller{done: make(chan struct{})}
	go pl.run(t, stream)
	t.Cleanup(func() {
		cancel()
		<-pl.done
		_ = conn.Close()
	})
	return pl
}

func (pl *puller) run(t *testing.T, stream grpc.ServerStreamingClient[binlogpb.PullBinlogResp]) {
	defer close(pl.done)
	for {
		resp, err := stream.Recv()
		if err != nil {
			if !errors.Is(err, io.EOF) && stream.Context().Err() == nil {
				t.Errorf("pull binlogs: %v", err)
			}
			return
		}
		b := &binlogpb.Binlog{}
		if err := proto.Unmarshal(resp.GetEntity().GetPayload(), b); err != nil {
			t.Errorf("unmarshal pulled binlog: %v", err)
			return
		}
		pl.mu.Lock()
		pl.maxTS = max(pl.maxTS, b.GetCommitTs())
		pl.commitTS = append(pl.commitTS, b.GetCommitTs())
		if !b.IsFake() {
			pl.binlogs = append(pl.binlogs, b)
		}
		pl.mu.Unlock()
	}
}

// waitPast waits until the pump streamed past ts and returns its real
// binlogs.
func (pl *puller) waitPast(t *testing.T, ts int64) []*binlogpb.Binlog {
	t.Helper()
	require.Eventually(t, func() bool {
		pl.mu.Lock()
		defer pl.mu.Unlock()
		return pl.maxTS >= ts
	}, waitFor, tick)
	pl.mu.Lock()
	defer pl.mu.Unlock()
	require.True(t, sort.SliceIsSorted(pl.commitTS, func(i, j int) bool { return pl.commitTS[i] < pl.commitTS[j] }),
		"pumps stream in commit order")
	return append([]*binlogpb.Binlog(nil), pl.binlogs...)
}

// mergeByCommitTS merges the streams of several pumps, as a drainer does.
func mergeByCommitTS(streams ...[]*binlogpb.Binlog) []*binlogpb.Binlog {
	var all []*binlogpb.Binlog
	for _, s := range streams {
		all = append(all, s...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].GetCommitTs() < all[j].GetCommitTs() })
	return all
}
