package pump

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pump/storage"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

func TestRegistersOnlineAndHeartbeats(t *testing.T) {
	c := newCluster(t)
	s := startPump(t, c.config(t, dataDir(t), "pump-1"))
	st, err := c.reg.Node(context.Background(), registry.KindPump, "pump-1")
	require.NoError(t, err)
	require.Equal(t, registry.Online, st.State)
	require.Equal(t, s.Addr(), st.Addr, "advertise port 0 is replaced by the real port")
	require.Positive(t, st.UpdateTS)
	require.True(t, st.IsAlive, "the original pump writes isAlive true")

	fake, err := s.writeFakeBinlog(context.Background())
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		st, err := c.reg.Node(context.Background(), registry.KindPump, "pump-1")
		return err == nil && st.MaxCommitTS >= fake.GetCommitTs()
	}, waitFor, tick, "heartbeat carries MaxCommitTS")
}

func TestRestartIsOnlineAgain(t *testing.T) {
	c := newCluster(t)
	dir := dataDir(t)
	cfg := c.config(t, dir, "")
	s := startPump(t, cfg)
	id := s.NodeID()
	host, _ := os.Hostname()
	require.Equal(t, host+":0", id, "generated from hostname and the configured port")
	b, err := os.ReadFile(filepath.Join(dir, ".node"))
	require.NoError(t, err)
	require.Equal(t, id, strings.TrimSpace(string(b)))
	require.NoError(t, s.Close())
	require.Equal(t, registry.Paused, c.pumpState(t, id))

	// The .node file wins over a configured node id.
	cfg2 := c.config(t, dir, "other-id")
	s2 := startPump(t, cfg2)
	require.Equal(t, id, s2.NodeID())
	require.Equal(t, registry.Online, c.pumpState(t, id))
}

func TestTwoPumpsOnOneDataDir(t *testing.T) {
	c := newCluster(t)
	dir := dataDir(t)
	startPump(t, c.config(t, dir, "pump-1"))
	_, err := NewServer(c.config(t, dir, "pump-2"), zap.NewNop())
	require.ErrorIs(t, err, storage.ErrLocked)
}

func TestNotifyDrainersWhenPreviouslyOffline(t *testing.T) {
	c := newCluster(t)
	cistern := startCistern(t)
	c.putDrainer(t, "drainer-1", cistern.addr, registry.Online, math.MaxInt64)
	c.putDrainer(t, "drainer-2", deadAddr(t), registry.Paused, 0) // not online: not notified
	dir := dataDir(t)

	s := startPump(t, c.config(t, dir, "pump-1"))
	require.EqualValues(t, 1, cistern.notified.Load(), "new node notifies")
	require.NoError(t, s.Close())

	s = startPump(t, c.config(t, dir, "pump-1"))
	require.EqualValues(t, 1, cistern.notified.Load(), "coming back from paused does not notify")
	require.NoError(t, s.Close())

	// Offline again (as binlogctl would set it): the next start notifies.
	require.NoError(t, c.reg.UpdateNode(context.Background(), registry.KindPump,
		&registry.Status{NodeID: "pump-1", Addr: s.Addr(), State: registry.Offline}))
	startPump(t, c.config(t, dir, "pump-1"))
	require.EqualValues(t, 2, cistern.notified.Load())
}

func TestStartFailsWhenNotifyFails(t *testing.T) {
	c := newCluster(t)
	c.putDrainer(t, "drainer-1", deadAddr(t), registry.Online, 0)
	dir := dataDir(t)
	s := newPump(t, c.config(t, dir, "pump-1"))
	err := s.Start()
	require.ErrorIs(t, err, ErrNotifyDrainer)
	require.Contains(t, err.Error(), "drainer-1")
	require.Equal(t, registry.Offline, c.pumpState(t, "pump-1"))
	<-s.Done()

	// Everything was released: the data directory can be opened again.
	c.putDrainer(t, "drainer-1", "", registry.Offline, 0)
	startPump(t, c.config(t, dir, "pump-1"))
	require.Equal(t, registry.Online, c.pumpState(t, "pump-1"))
}

func TestCloseWaitsForDrainersThenGoesOffline(t *testing.T) {
	c := newCluster(t)
	cistern := startCistern(t)
	c.putDrainer(t, "drainer-1", cistern.addr, registry.Online, 0)
	c.putDrainer(t, "drainer-gone", deadAddr(t), registry.Offline, 0) // offline drainers do not count
	s := startPump(t, c.config(t, dataDir(t), "pump-1"))

	resp := putAction(t, s, "pump-1", "close")
	require.Equal(t, `{"message":"apply action close success!","code":200,"data":null}`, resp)
	require.Equal(t, registry.Closing, c.pumpState(t, "pump-1"))

	// The drainer has not consumed the pump's binlogs yet: still closing,
	// and fake binlogs keep the pump's watermark moving.
	first := s.store.MaxCommitTS()
	require.Eventually(t, func() bool { return s.store.MaxCommitTS() > first }, waitFor, tick)
	select {
	case <-s.Done():
		t.Fatal("closed before the drainer caught up")
	default:
	}
	require.Equal(t, registry.Closing, c.pumpState(t, "pump-1"))

	c.putDrainer(t, "drainer-1", cistern.addr, registry.Online, math.MaxInt64)
	<-s.Done()
	require.Equal(t, registry.Offline, c.pumpState(t, "pump-1"))
}

func TestPauseAction(t *testing.T) {
	c := newCluster(t)
	s := startPump(t, c.config(t, dataDir(t), "pump-1"))
	require.Equal(t, `{"message":"invalid nodeID pump-2, this pump's nodeID is pump-1","code":3,"data":null}`,
		putAction(t, s, "pump-2", "pause"))
	require.Equal(t, `{"message":"invalid action stop","code":3,"data":null}`, putAction(t, s, "pump-1", "stop"))
	require.Equal(t, registry.Online, c.pumpState(t, "pump-1"))

	require.Equal(t, `{"message":"apply action pause success!","code":200,"data":null}`, putAction(t, s, "pump-1", "pause"))
	<-s.Done()
	require.Equal(t, registry.Paused, c.pumpState(t, "pump-1"))
}

// TestActionRejectedWhileStarting: HTTP serves while Start still notifies
// the drainers; a pause then is refused (it used to cancel the start, which
// failed, and the process exited 1) and works once the pump is online.
func TestActionRejectedWhileStarting(t *testing.T) {
	c := newCluster(t)
	cistern := startCistern(t)
	cistern.hold, cistern.entered = make(chan struct{}), make(chan struct{})
	c.putDrainer(t, "drainer-1", cistern.addr, registry.Online, math.MaxInt64)
	s := newPump(t, c.config(t, dataDir(t), "pump-1"))
	started := make(chan error, 1)
	go func() { started <- s.Start() }()
	<-cistern.entered
	require.Equal(t, `{"message":"this pump is still starting, apply pause failed!","code":3,"data":null}`,
		putAction(t, s, "pump-1", "pause"))
	close(cistern.hold)
	require.NoError(t, <-started)
	require.Equal(t, registry.Online, c.pumpState(t, "pump-1"))
	require.Equal(t, `{"message":"apply action pause success!","code":200,"data":null}`, putAction(t, s, "pump-1", "pause"))
	<-s.Done()
	require.Equal(t, registry.Paused, c.pumpState(t, "pump-1"))
}

func TestActionRejectedWhenNotOnline(t *testing.T) {
	c := newCluster(t)
	s := startPump(t, c.config(t, dataDir(t), "pump-1"))
	s.node.SetState(registry.Pausing)
	require.Equal(t, `{"message":"this pump's state is pausing, apply close failed!","code":3,"data":null}`,
		putAction(t, s, "pump-1", "close"))
	s.node.SetState(registry.Online)
}
