package pump

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

// TestMissingCommitResolvedThroughTiDB checks the default resolver wiring: a
// prewrite whose commit binlog never arrives is resolved through TiDB's
// /mvcc/hex API at tidb-status-urls, and the pump serves a synthetic commit.
func TestMissingCommitResolvedThroughTiDB(t *testing.T) {
	c := newCluster(t)
	var startTS, commitTS atomic.Int64
	var asked atomic.Int64
	tidb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/mvcc/hex/") {
			http.NotFound(w, r)
			return
		}
		asked.Add(1)
		fmt.Fprintf(w, `{"key":"6b","region_id":1,"value":{"info":{"writes":[{"start_ts":%d,"commit_ts":%d}]}}}`,
			startTS.Load(), commitTS.Load())
	}))
	defer tidb.Close()
	cfg := c.config(t, dataDir(t), "pump-1")
	cfg.TiDBStatusURLs = StringList{tidb.URL}
	s := startPump(t, cfg)
	cli := dial(t, s.Addr())

	startTS.Store(nextTS(t, s))
	commitTS.Store(nextTS(t, s))
	require.NoError(t, write(t, cli, s.ClusterID(), prewrite(startTS.Load(), "value")))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream, err := cli.PullBinlogs(ctx, &binlogpb.PullBinlogReq{ClusterID: s.ClusterID(), StartFrom: &binlogpb.Pos{}})
	require.NoError(t, err)
	resp, err := stream.Recv()
	require.NoError(t, err)
	require.Equal(t, startTS.Load(), resp.GetEntity().GetMeta().GetStartTs())
	require.Equal(t, commitTS.Load(), resp.GetEntity().GetMeta().GetCommitTs())
	b := new(binlogpb.Binlog)
	require.NoError(t, proto.Unmarshal(resp.GetEntity().GetPayload(), b))
	require.Equal(t, "value", string(b.GetPrewriteValue()))
	require.Positive(t, asked.Load())
	cancel()
	require.NoError(t, s.Close())
}
