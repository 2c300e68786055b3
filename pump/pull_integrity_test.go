package pump

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/pump/storage"
)

// TestPullDamagedPrewriteEndsWithDataLoss: a byte flipped in the prewrite
// value of transaction 2 while the pump is down ends the stream with
// DataLoss naming its commit ts, after commits 0 and 1.
func TestPullDamagedPrewriteEndsWithDataLoss(t *testing.T) {
	c := newCluster(t)
	dir := dataDir(t)
	s := startPump(t, c.config(t, dir, "pump-1"))
	cli := dial(t, s.Addr())
	var commits []int64
	for i := range 5 {
		start := nextTS(t, s)
		require.NoError(t, write(t, cli, s.ClusterID(), prewrite(start, fmt.Sprintf("unique-value-%d", i))))
		commit := nextTS(t, s)
		require.NoError(t, write(t, cli, s.ClusterID(), binlogpb.NewBinlog(binlogpb.BinlogType_Commit, start, commit)))
		commits = append(commits, commit)
	}
	require.Eventually(t, func() bool { return s.store.MaxCommitTS() == commits[4] }, 10*time.Second, time.Millisecond)
	require.NoError(t, s.Close())

	path := filepath.Join(dir, "value", "000000.vlog")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	i := bytes.Index(data, []byte("unique-value-2"))
	require.Positive(t, i)
	data[i] ^= 0x01
	require.NoError(t, os.WriteFile(path, data, 0o644))

	s = startPump(t, c.config(t, dir, "pump-1"))
	cli = dial(t, s.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	stream, err := cli.PullBinlogs(ctx, &binlogpb.PullBinlogReq{ClusterID: s.ClusterID(), StartFrom: &binlogpb.Pos{}})
	require.NoError(t, err)
	for _, want := range commits[:2] {
		resp, err := stream.Recv()
		require.NoError(t, err)
		require.Equal(t, want, resp.GetEntity().GetMeta().GetCommitTs())
	}
	_, err = stream.Recv()
	require.Equal(t, codes.DataLoss, status.Code(err), "%v", err)
	msg := status.Convert(err).Message()
	require.Contains(t, msg, fmt.Sprint(commits[2]))
	require.Contains(t, msg, path)
}

func TestPullErrorCodes(t *testing.T) {
	loss := &storage.DataLossError{CommitTS: 42, File: "f", Offset: 7, Err: errors.New("bad checksum")}
	require.Equal(t, codes.DataLoss, status.Code(pullError(fmt.Errorf("pull: %w", loss))))
	require.Equal(t, codes.Unavailable, status.Code(pullError(errors.New("read value log: input/output error"))))
}
