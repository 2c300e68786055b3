package registry

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLocalNodeTransitions(t *testing.T) {
	n := NewLocalNode("pump-1", "127.0.0.1:0")
	require.Equal(t, "pump-1", n.ID())
	require.Equal(t, Paused, n.State())
	n.SetState(Online)
	got, ok := n.Transition(Online, Pausing)
	require.True(t, ok)
	require.Equal(t, Pausing, got)
	got, ok = n.Transition(Online, Closing)
	require.False(t, ok, "only an online node may start closing")
	require.Equal(t, Pausing, got)
	n.SetAddr("127.0.0.1:8250")
	require.Equal(t, "127.0.0.1:8250", n.Addr())
}
