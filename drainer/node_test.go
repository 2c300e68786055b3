package drainer

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

type fakePD struct{}

func (fakePD) TSO(context.Context) (int64, error) { return 1 << 20, nil }
func (fakePD) ClusterID() uint64                  { return 1 }
func (fakePD) Close()                             {}

// flakyRegistry fails UpdateNode while failing is set and records states.
type flakyRegistry struct {
	mu      sync.Mutex
	failing bool
	calls   int
	states  []*registry.Status
}

func (r *flakyRegistry) Nodes(context.Context, string) ([]*registry.Status, int64, error) {
	return nil, 0, nil
}

func (r *flakyRegistry) UpdateNode(_ context.Context, _ string, st *registry.Status) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.failing {
		return errors.New("etcd down")
	}
	r.states = append(r.states, st)
	return nil
}

func testServer(reg nodeRegistry) *Server {
	return &Server{lg: zap.NewNop(), node: registry.NewLocalNode("drainer-1", "127.0.0.1:8249"), pd: fakePD{}, reg: reg,
		opts: options{heartbeat: time.Millisecond}, cp: &fakeCheckpoint{ts: 42}, cfg: DefaultConfig()}
}

func TestHeartbeatShutsDownAfter20Failures(t *testing.T) {
	reg := &flakyRegistry{failing: true}
	s := testServer(reg)
	err := s.heartbeatLoop(context.Background())
	require.ErrorIs(t, err, ErrHeartbeat)
	require.Equal(t, maxHeartbeatFailures, reg.calls)
}

func TestHeartbeatWritesStateAndCheckpoint(t *testing.T) {
	reg := &flakyRegistry{}
	s := testServer(reg)
	s.node.SetState(registry.Online)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.heartbeatLoop(ctx) }()
	require.Eventually(t, func() bool {
		reg.mu.Lock()
		defer reg.mu.Unlock()
		return len(reg.states) >= 3
	}, 5*time.Second, time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	reg.mu.Lock()
	st := reg.states[0]
	reg.mu.Unlock()
	require.Equal(t, "drainer-1", st.NodeID)
	require.Equal(t, registry.Online, st.State)
	require.Equal(t, int64(42), st.MaxCommitTS)
}

func TestCommitStatus(t *testing.T) {
	for from, want := range map[string]string{
		registry.Online: registry.Paused, registry.Pausing: registry.Paused, registry.Closing: registry.Offline,
	} {
		reg := &flakyRegistry{}
		s := testServer(reg)
		s.node.SetState(from)
		s.commitStatus()
		require.Equal(t, want, reg.states[len(reg.states)-1].State, from)
	}
}

func TestActionRejectsOtherNodesAndStates(t *testing.T) {
	s := testServer(&flakyRegistry{})
	h := s.httpHandler()
	for _, tc := range []struct{ path, want string }{
		{"/state/other/pause", "invalid nodeID other"},
		{"/state/drainer-1/jump", "invalid action jump"},
		{"/state/drainer-1/pause", "this drainer's state is paused, apply pause failed!"},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPut, tc.path, nil))
		require.Contains(t, rec.Body.String(), tc.want)
		require.Contains(t, rec.Body.String(), `"code":3`)
	}
}
