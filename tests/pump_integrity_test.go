//go:build integration

package tests

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

// integrityCluster is a pd-lite and a pump started as processes.
type integrityCluster struct {
	pump *testcluster.Pump
	pdc  *pd.Client
}

func startIntegrityCluster(t *testing.T, ctx context.Context, name string) *integrityCluster {
	t.Helper()
	dir := t.TempDir()
	pdl, err := testcluster.StartPDLite(ctx, binDir, dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pdl.Stop(10 * time.Second) })
	pump, err := testcluster.StartPump(ctx, binDir, dir, pdl, name, testcluster.PumpOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pump.Stop(15 * time.Second) })
	pdc, err := pd.NewClient(ctx, []string{pdl.URL}, security.Config{}, zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(pdc.Close)
	return &integrityCluster{pump: pump, pdc: pdc}
}

// writeMarkedTxns writes n transactions one after the other; the prewrite
// value of transaction i holds "marker-<i>-end". It returns the commit ts.
func (c *integrityCluster) writeMarkedTxns(t *testing.T, ctx context.Context, from, n int) []int64 {
	t.Helper()
	w := newRawWriter(t, c.pump.Addr, c.pdc.ClusterID())
	var commits []int64
	for i := from; i < from+n; i++ {
		start, err := c.pdc.TSO(ctx)
		require.NoError(t, err)
		p := prewrite(start)
		copy(p.PrewriteValue, fmt.Sprintf("marker-%d-end", i))
		require.NoError(t, w.write(ctx, p))
		commitTS, err := c.pdc.TSO(ctx)
		require.NoError(t, err)
		require.NoError(t, w.write(ctx, commit(start, commitTS)))
		commits = append(commits, commitTS)
	}
	return commits
}

func wantSet(commits ...[]int64) map[int64]bool {
	want := map[int64]bool{}
	for _, cs := range commits {
		for _, c := range cs {
			want[c] = true
		}
	}
	return want
}

// TestPumpDamagedRecordEndsPullWithDataLoss is issue 9's reproduction: 300
// transactions, the pump stopped, one byte flipped inside a record in the
// middle of the value log, the pump started, a pull from 0. The stream
// delivers the 150 commits before the damaged one and ends with DataLoss
// naming its commit ts and the file.
func TestPumpDamagedRecordEndsPullWithDataLoss(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startIntegrityCluster(t, ctx, "pump-damage")
	commits := c.writeMarkedTxns(t, ctx, 0, 300)
	pullUntil(t, ctx, c.pump.Addr, c.pdc.ClusterID(), wantSet(commits))
	require.NoError(t, c.pump.Stop(15*time.Second))

	path := filepath.Join(c.pump.DataDir, "value", "000000.vlog")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	i := bytes.Index(data, []byte("marker-150-end"))
	require.Positive(t, i)
	data[i+7] ^= 0x01
	require.NoError(t, os.WriteFile(path, data, 0o644))
	require.NoError(t, c.pump.StartReady(ctx))

	conn, err := grpc.NewClient(c.pump.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	pctx, pcancel := context.WithTimeout(ctx, time.Minute)
	defer pcancel()
	stream, err := binlogpb.NewPumpClient(conn).PullBinlogs(pctx,
		&binlogpb.PullBinlogReq{ClusterID: c.pdc.ClusterID(), StartFrom: &binlogpb.Pos{}})
	require.NoError(t, err)
	var got []int64
	for {
		resp, err := stream.Recv()
		if err != nil {
			require.Equal(t, codes.DataLoss, status.Code(err), "%v", err)
			require.Contains(t, status.Convert(err).Message(), fmt.Sprint(commits[150]))
			require.Contains(t, status.Convert(err).Message(), "000000.vlog")
			break
		}
		var b binlogpb.Binlog
		require.NoError(t, proto.Unmarshal(resp.GetEntity().GetPayload(), &b))
		if !b.IsFake() {
			got = append(got, b.GetCommitTs())
		}
	}
	require.Equal(t, commits[:150], got)
}

// TestPumpTornTailPullsEachCommitOnce is issue 9's second reproduction: 300
// transactions, kill -9, the last 5 bytes of the last record of the last
// value-log file cut, the pump started, 50 more transactions, a pull from 0:
// every commit arrives once, in commit_ts order.
func TestPumpTornTailPullsEachCommitOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startIntegrityCluster(t, ctx, "pump-torn")
	first := c.writeMarkedTxns(t, ctx, 0, 300)
	pullUntil(t, ctx, c.pump.Addr, c.pdc.ClusterID(), wantSet(first))
	// idle a moment: the pump writes a fake binlog, the last record. (Were
	// the last record a commit, its prewrite would wait for the resolver,
	// which needs a TiDB.)
	waitFake(t, ctx, c, first[len(first)-1])
	require.NoError(t, c.pump.Kill())

	path := lastValueLog(t, c.pump.DataDir)
	end := recordsEnd(t, path)
	require.NoError(t, os.Truncate(path, end-5))
	require.NoError(t, c.pump.StartReady(ctx))
	waitFake(t, ctx, c, first[len(first)-1]) // idle a moment: a new fake is written where the cut one was
	more := c.writeMarkedTxns(t, ctx, 300, 50)

	want := wantSet(first, more)
	got := pullUntil(t, ctx, c.pump.Addr, c.pdc.ClusterID(), want)
	for i := 1; i < len(got); i++ {
		require.Greater(t, got[i], got[i-1], "each commit once, in commit_ts order")
	}
	require.Equal(t, more[len(more)-1], got[len(got)-1])
}

func lastValueLog(t *testing.T, dataDir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dataDir, "value", "*.vlog"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files[len(files)-1]
}

// recordsEnd walks the records of a value-log file (pump/storage/FORMAT.md)
// and returns the offset after the last one.
func recordsEnd(t *testing.T, path string) int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	off := 0
	for off+16 <= len(data) && binary.LittleEndian.Uint32(data[off:]) == 0x823a56e8 {
		off += 16 + int(binary.LittleEndian.Uint64(data[off+4:]))
	}
	require.Positive(t, off)
	return int64(off)
}

// waitFake pulls from after until a fake binlog arrives.
func waitFake(t *testing.T, ctx context.Context, c *integrityCluster, after int64) {
	t.Helper()
	conn, err := grpc.NewClient(c.pump.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	stream, err := binlogpb.NewPumpClient(conn).PullBinlogs(ctx,
		&binlogpb.PullBinlogReq{ClusterID: c.pdc.ClusterID(), StartFrom: &binlogpb.Pos{Offset: after}})
	require.NoError(t, err)
	for {
		resp, err := stream.Recv()
		require.NoError(t, err)
		if resp.GetEntity().GetMeta().GetStartTs() == resp.GetEntity().GetMeta().GetCommitTs() {
			return
		}
	}
}
