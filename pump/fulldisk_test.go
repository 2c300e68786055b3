package pump

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestFullDiskLogsOnce: writes rejected for lack of space are logged once
// when the failures start, not once per attempt.
func TestFullDiskLogsOnce(t *testing.T) {
	c := newCluster(t)
	cfg := c.config(t, dataDir(t), "pump-1")
	cfg.Storage.StopWriteAtAvailableSpace = 1 << 62 // the disk is "full"
	core, logs := observer.New(zap.InfoLevel)
	s, err := NewServer(cfg, zap.New(core), fastTimings())
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.Start())
	cli := dial(t, s.Addr())
	for range 50 {
		err := write(t, cli, s.ClusterID(), prewrite(nextTS(t, s), "v"))
		require.Equal(t, codes.ResourceExhausted, status.Code(err), "%v", err)
	}
	require.Equal(t, 1, logs.FilterMessageSnippet("write binlog failed").Len())
}
