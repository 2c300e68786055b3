package storage

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFullDiskRejectsRealBinlogsAcceptsFake(t *testing.T) {
	var avail atomic.Uint64
	avail.Store(10)
	o := testOptions()
	o.StopWriteAtAvailableSpace = 1 << 20
	o.AvailableSpace = func() (uint64, error) { return avail.Load(), nil }
	reg := newRegistry()
	o.Registerer = reg
	a := openTest(t, t.TempDir(), o)
	defer closeTest(t, a)
	ts := newTSO()

	require.ErrorIs(t, writeB(t.Context(), a, prewrite(ts.next(), "x")), ErrNoAvailableSpace)
	f := fake(ts.next())
	require.NoError(t, writeB(t.Context(), a, f), "fake binlogs are still accepted")
	require.Eventually(t, func() bool { return a.MaxCommitTS() == f.GetCommitTs() }, 10*time.Second, time.Millisecond)
	require.Equal(t, 10.0, counterValue(t, reg, "binlog_pump_storage_storage_size_bytes", map[string]string{"type": "available"}))
	require.Greater(t, counterValue(t, reg, "binlog_pump_storage_storage_size_bytes", map[string]string{"type": "capacity"}), 0.0)

	avail.Store(1 << 30)
	require.Eventually(t, func() bool { return !a.noSpace.Load() }, 10*time.Second, time.Millisecond)
	writeTxn(t, a, ts, "accepted again")
}
