//go:build integration

package tests

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

// txn is one transaction as a writer saw it.
type txn struct {
	startTS, commitTS int64
	prewriteAcked     bool
	commitAcked       bool
}

// TestPumpKill9UnderWriteLoad kills a pump with SIGKILL while 16 writers load
// it, restarts it, lets the writers finish what they had in flight (as the
// pump client does: commits are retried on the same pump, failed prewrites get
// a rollback), and checks that every acknowledged commit is pulled back
// exactly once, in commit_ts order, and that the registry shows the node online.
func TestPumpKill9UnderWriteLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	pdl, err := testcluster.StartPDLite(ctx, binDir, dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pdl.Stop(10 * time.Second) })
	pump, err := testcluster.StartPump(ctx, binDir, dir, pdl, "pump-crash", testcluster.PumpOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pump.Stop(15 * time.Second) })

	pdc, err := pd.NewClient(ctx, []string{pdl.URL}, security.Config{}, zap.NewNop())
	require.NoError(t, err)
	defer pdc.Close()
	w := newRawWriter(t, pump.Addr, pdc.ClusterID())

	var (
		mu    sync.Mutex
		txns  []*txn
		acked atomic.Int64
		wg    sync.WaitGroup
	)
	loadCtx, stopLoad := context.WithCancel(ctx)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for loadCtx.Err() == nil {
				var err error
				tx := &txn{}
				if tx.startTS, err = pdc.TSO(loadCtx); err != nil {
					return
				}
				mu.Lock()
				txns = append(txns, tx)
				mu.Unlock()
				if w.write(loadCtx, prewrite(tx.startTS)) != nil {
					return
				}
				tx.prewriteAcked = true
				if tx.commitTS, err = pdc.TSO(loadCtx); err != nil {
					return
				}
				if w.write(loadCtx, commit(tx.startTS, tx.commitTS)) != nil {
					return
				}
				tx.commitAcked = true
				acked.Add(1)
			}
		}()
	}
	require.Eventually(t, func() bool { return acked.Load() >= 2000 }, time.Minute, 10*time.Millisecond)
	require.NoError(t, pump.Kill())
	stopLoad()
	wg.Wait()

	require.NoError(t, pump.StartReady(ctx))
	w = newRawWriter(t, pump.Addr, pdc.ClusterID())
	// Finish what was in flight, as TiDB and its pump client would.
	want := map[int64]bool{}
	for _, tx := range txns {
		switch {
		case tx.commitAcked:
		case tx.prewriteAcked && tx.commitTS != 0:
			require.NoError(t, w.write(ctx, commit(tx.startTS, tx.commitTS)))
			tx.commitAcked = true
		case tx.prewriteAcked:
			ts, err := pdc.TSO(ctx)
			require.NoError(t, err)
			tx.commitTS = ts
			require.NoError(t, w.write(ctx, commit(tx.startTS, tx.commitTS)))
			tx.commitAcked = true
		default: // the prewrite may or may not be stored: the txn failed
			require.NoError(t, w.write(ctx, rollback(tx.startTS)))
		}
		if tx.commitAcked {
			want[tx.commitTS] = true
		}
	}
	t.Logf("%d transactions, %d committed before the kill", len(txns), acked.Load())

	got := pullUntil(t, ctx, pump.Addr, pdc.ClusterID(), want)
	seen := map[int64]bool{}
	var last int64
	for _, ts := range got {
		require.Greater(t, ts, last, "commit_ts must strictly increase")
		require.False(t, seen[ts], "commit_ts %d pulled twice", ts)
		seen[ts], last = true, ts
	}
	for ts := range want {
		require.True(t, seen[ts], "acknowledged commit %d lost", ts)
	}

	cli, err := registry.NewEtcdClient([]string{pdl.URL}, nil, zap.NewNop())
	require.NoError(t, err)
	defer cli.Close()
	st, err := registry.New(cli, zap.NewNop()).Node(ctx, registry.KindPump, "pump-crash")
	require.NoError(t, err)
	require.Equal(t, registry.Online, st.State)
	require.Equal(t, pump.Addr, st.Addr)
}

func prewrite(startTS int64) *binlogpb.Binlog {
	b := binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, startTS, 0)
	b.PrewriteKey = []byte("t\x80\x00\x00\x00\x00\x00\x00\x01_r\x80\x00\x00\x00\x00\x00\x00\x01")
	b.PrewriteValue = make([]byte, 1024)
	return b
}

func commit(startTS, commitTS int64) *binlogpb.Binlog {
	return binlogpb.NewBinlog(binlogpb.BinlogType_Commit, startTS, commitTS)
}

func rollback(startTS int64) *binlogpb.Binlog {
	return binlogpb.NewBinlog(binlogpb.BinlogType_Rollback, startTS, 0)
}

// rawWriter writes binlogs over one gRPC connection, like TiDB's pump client.
type rawWriter struct {
	cli       binlogpb.PumpClient
	clusterID uint64
}

func newRawWriter(t *testing.T, addr string, clusterID uint64) *rawWriter {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return &rawWriter{cli: binlogpb.NewPumpClient(conn), clusterID: clusterID}
}

func (w *rawWriter) write(ctx context.Context, b *binlogpb.Binlog) error {
	data, err := proto.Marshal(b)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := w.cli.WriteBinlog(ctx, &binlogpb.WriteBinlogReq{ClusterID: w.clusterID, Payload: data})
	if err != nil {
		return err
	}
	if resp.GetErrmsg() != "" {
		return errors.New(resp.GetErrmsg())
	}
	return nil
}

// pullUntil pulls the pump's stream from the start until every commit_ts in
// want has arrived (or the context ends) and returns the real (non-fake)
// commit_ts values in arrival order.
func pullUntil(t *testing.T, ctx context.Context, addr string, clusterID uint64, want map[int64]bool) []int64 {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	stream, err := binlogpb.NewPumpClient(conn).PullBinlogs(ctx, &binlogpb.PullBinlogReq{ClusterID: clusterID, StartFrom: &binlogpb.Pos{}})
	require.NoError(t, err)
	var got []int64
	missing := len(want)
	var lastTS int64
	for missing > 0 {
		resp, err := stream.Recv()
		require.NoError(t, err, "pulled %d, %d still missing", len(got), missing)
		var b binlogpb.Binlog
		require.NoError(t, proto.Unmarshal(resp.GetEntity().GetPayload(), &b))
		require.Greater(t, b.GetCommitTs(), lastTS, "stream order")
		lastTS = b.GetCommitTs()
		if b.IsFake() {
			continue
		}
		require.Equal(t, binlogpb.BinlogType_Commit, b.GetTp())
		require.NotEmpty(t, b.GetPrewriteValue(), "commit merged with its prewrite value")
		got = append(got, b.GetCommitTs())
		if want[b.GetCommitTs()] {
			missing--
		}
	}
	return got
}
