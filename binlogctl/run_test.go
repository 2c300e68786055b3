package binlogctl

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/stretchr/testify/require"
)

func parsed(t *testing.T, args ...string) *Config {
	t.Helper()
	c := NewConfig()
	require.NoError(t, c.Parse(args))
	return c
}

func TestRunNodeCommands(t *testing.T) {
	reg, url := startRegistry(t)
	ctx := context.Background()
	node := newActionNode(t, `{"message":"apply action close success!","code":200,"data":null}`)
	addNode(t, reg, registry.KindPump, "p1", node.addr(), registry.Online, 9)
	addNode(t, reg, registry.KindDrainer, "d1", node.addr(), registry.Online, 8)
	// The scheme-less form scripts use (-pd-urls 127.0.0.1:2379) is accepted.
	hostPort := strings.TrimPrefix(url, "http://")

	var out bytes.Buffer
	require.NoError(t, Run(ctx, parsed(t, "-pd-urls", hostPort), &out, nil))
	require.Contains(t, out.String(), "[type=pump] [node=\"{NodeID: p1, Addr: "+node.addr()+", State: online, MaxCommitTS: 9,")

	out.Reset()
	require.NoError(t, Run(ctx, parsed(t, "-pd-urls", url, "-cmd", "drainers"), &out, nil))
	require.Contains(t, out.String(), "[type=drainer] [node=\"{NodeID: d1,")

	require.NoError(t, Run(ctx, parsed(t, "-pd-urls", url, "-cmd", "update-drainer", "-node-id", "d1", "-state", "paused"), &out, nil))
	n, err := reg.Node(ctx, registry.KindDrainer, "d1")
	require.NoError(t, err)
	require.Equal(t, registry.Paused, n.State)

	err = Run(ctx, parsed(t, "-pd-urls", url, "-cmd", "update-pump", "-node-id", "p1", "-state", "gone"), &out, nil)
	require.ErrorIs(t, err, ErrBadState)

	require.NoError(t, Run(ctx, parsed(t, "-pd-urls", url, "-cmd", "pause-pump", "-node-id", "p1"), &out, nil))
	require.NoError(t, Run(ctx, parsed(t, "-pd-urls", url, "-cmd", "offline-pump", "-node-id", "p1"), &out, nil))
	require.NoError(t, Run(ctx, parsed(t, "-pd-urls", url, "-cmd", "pause-drainer", "-node-id", "d1"), &out, nil))
	require.NoError(t, Run(ctx, parsed(t, "-pd-urls", url, "-cmd", "offline-drainer", "-node-id", "d1"), &out, nil))
	require.Equal(t, []string{"PUT /state/p1/pause", "PUT /state/p1/close", "PUT /state/d1/pause", "PUT /state/d1/close"},
		grepLines(strings.Join(node.calls, "\n"), "PUT"))
	require.Equal(t, "GET /status", node.calls[0], "-cmd drainers asked the pump for its GC point")

	err = Run(ctx, parsed(t, "-pd-urls", url, "-cmd", "offline-pump", "-node-id", "d1"), &out, nil)
	require.ErrorIs(t, err, registry.ErrNodeNotFound)
}

func TestRunGenerateMeta(t *testing.T) {
	_, url := startRegistry(t)
	dir := filepath.Join(t.TempDir(), "meta")
	before := pd.TimeToTS(time.Now().Add(-time.Second))
	var out bytes.Buffer
	require.NoError(t, Run(context.Background(), parsed(t, "-pd-urls", url, "-cmd", "generate_meta", "-data-dir", dir, "-time-zone", "UTC"), &out, nil))
	b, err := os.ReadFile(filepath.Join(dir, SavepointFile))
	require.NoError(t, err)
	ts := decodeSavepoint(t, b)
	require.Greater(t, ts, before)
	require.Contains(t, string(b), "+0000 UTC\n")
}

func TestRunLocalCommands(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, Run(context.Background(), parsed(t, "-V"), &out, nil))
	require.Contains(t, out.String(), "Release Version:")

	out.Reset()
	require.NoError(t, Run(context.Background(), parsed(t, "-cmd", "encrypt", "-text", "abc"), &out, nil))
	require.True(t, strings.HasPrefix(out.String(), "encrypted="))

	err := Run(context.Background(), parsed(t, "-cmd", "explode"), &out, nil)
	require.ErrorIs(t, err, ErrNotSupported)
	require.ErrorContains(t, err, "cmd explode")
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestRunUnreachablePD(t *testing.T) {
	addr := closedAddr(t)
	for _, cmd := range []string{"pumps", "update-pump", "generate_meta"} {
		t.Run(cmd, func(t *testing.T) {
			c := parsed(t, "-pd-urls", addr, "-cmd", cmd, "-node-id", "p1", "-state", "paused", "-data-dir", t.TempDir())
			c.Timeout = time.Second
			start := time.Now()
			err := Run(context.Background(), c, &bytes.Buffer{}, nil)
			require.Error(t, err)
			require.Less(t, time.Since(start), 8*time.Second, "bounded by the timeout")
			require.ErrorContains(t, err, addr)
		})
	}
}
