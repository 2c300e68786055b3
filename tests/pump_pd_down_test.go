//go:build integration

package tests

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/openbinlog/tidb-binlog/tests/testcluster"
)

// TestPumpSurvivesPDOutage stops pd-lite under a running pump: the pump keeps
// storing and serving binlogs, and once PD is back its heartbeats reach the
// registry again.
func TestPumpSurvivesPDOutage(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	pdl, err := testcluster.StartPDLite(ctx, binDir, dir)
	require.NoError(t, err)
	t.Cleanup(func() { _ = pdl.Stop(10 * time.Second) })
	pump, err := testcluster.StartPump(ctx, binDir, dir, pdl, "pump-pd", testcluster.PumpOptions{TOML: "heartbeat-interval = 1\n"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = pump.Stop(15 * time.Second) })
	pdc, err := pd.NewClient(ctx, []string{pdl.URL}, security.Config{}, zap.NewNop())
	require.NoError(t, err)
	clusterID := pdc.ClusterID()
	startTS, err := pdc.TSO(ctx)
	require.NoError(t, err)
	pdc.Close()

	require.NoError(t, pdl.Stop(10*time.Second))
	w := newRawWriter(t, pump.Addr, clusterID)
	want := map[int64]bool{}
	for i := int64(0); i < 50; i++ {
		s, c := startTS+10*i+1, startTS+10*i+2
		require.NoError(t, w.write(ctx, prewrite(s)), "the pump must accept writes while PD is down")
		require.NoError(t, w.write(ctx, commit(s, c)))
		want[c] = true
	}
	got := pullUntil(t, ctx, pump.Addr, clusterID, want)
	require.Len(t, got, 50)
	require.True(t, pump.Running())

	require.NoError(t, pdl.StartReady(ctx))
	cli, err := registry.NewEtcdClient([]string{pdl.URL}, nil, zap.NewNop())
	require.NoError(t, err)
	defer cli.Close()
	reg := registry.New(cli, zap.NewNop())
	require.Eventually(t, func() bool {
		st, err := reg.Node(ctx, registry.KindPump, "pump-pd")
		return err == nil && st.State == registry.Online && st.MaxCommitTS >= startTS+10*49+2
	}, 30*time.Second, 100*time.Millisecond, "heartbeat with the new watermark after PD came back")
}

// TestPumpStartWithoutPD: a pump whose PD is unreachable exits non-zero with a
// one-line error naming PD, within a bounded time.
func TestPumpStartWithoutPD(t *testing.T) {
	port, err := testcluster.FreePort()
	require.NoError(t, err)
	dead := fmt.Sprintf("http://127.0.0.1:%d", port)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "pump"), "-addr", "127.0.0.1:0", "-pd-urls", dead,
		"-data-dir", filepath.Join(t.TempDir(), "data"))
	start := time.Now()
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "pump must fail without PD")
	require.Less(t, time.Since(start), 45*time.Second)
	require.Contains(t, strings.ToLower(string(out)), "pd", string(out))
}
