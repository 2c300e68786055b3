package pumpclient

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

func testPumps(ids ...string) []*pumpNode {
	out := make([]*pumpNode, 0, len(ids))
	for _, id := range ids {
		out = append(out, newPump(&registry.Status{NodeID: id, Addr: id + ":8250", State: registry.Online}, dialConfig{}))
	}
	return out
}

func prewrite(startTS int64) *binlogpb.Binlog {
	return binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, startTS, 0)
}

func selectIDs(s pumpSelector, n int) []string {
	var ids []string
	for i := range n {
		p := s.selectPump(prewrite(int64(i+1)), 0)
		if p == nil {
			ids = append(ids, "")
			continue
		}
		ids = append(ids, p.nodeID)
	}
	return ids
}

func TestRangeSelectorRoundRobinAndReset(t *testing.T) {
	s := newSelector(Range, zap.NewNop())
	require.Nil(t, s.selectPump(prewrite(1), 0), "no pumps: nil")

	s.setPumps(testPumps("c", "a", "b")) // map order must not matter
	require.Equal(t, []string{"a", "b", "c", "a", "b"}, selectIDs(s, 5))

	// A new set restarts at the first pump.
	s.setPumps(testPumps("b", "d"))
	require.Equal(t, []string{"b", "d", "b"}, selectIDs(s, 3))

	// Shrinking below the offset wraps around.
	s.setPumps(testPumps("x", "y", "z"))
	selectIDs(s, 2)
	s.setPumps(testPumps("x"))
	require.Equal(t, []string{"x", "x"}, selectIDs(s, 2))
}

func TestHashSelectorDeterministic(t *testing.T) {
	a := newSelector(Hash, zap.NewNop())
	b := newSelector(Hash, zap.NewNop())
	a.setPumps(testPumps("p1", "p2", "p3", "p4"))
	b.setPumps(testPumps("p4", "p3", "p1", "p2")) // other order, same set
	used := map[string]bool{}
	for ts := int64(400000000000000000); ts < 400000000000000000+200; ts++ {
		pa := a.selectPump(prewrite(ts), 0)
		pb := b.selectPump(prewrite(ts), 0)
		require.Equal(t, pa.nodeID, pb.nodeID, "start_ts %d", ts)
		require.Equal(t, pa.nodeID, a.selectPump(prewrite(ts), 0).nodeID, "same start_ts, same pump")
		used[pa.nodeID] = true
	}
	require.Len(t, used, 4, "start_ts values spread over every pump")

	// The index is (fnv32a(decimal start_ts) + retry) % n over the sorted pumps.
	ts := int64(424242)
	base := int(hashTS(ts) % 4)
	ids := []string{"p1", "p2", "p3", "p4"}
	for retry := range 6 {
		require.Equal(t, ids[(base+retry)%4], a.selectPump(prewrite(ts), retry).nodeID, "retry %d", retry)
	}
	// fnv32a("1") from the FNV reference: 0x340ca71c.
	require.Equal(t, uint32(0x340ca71c), hashTS(1))
}

func TestScoreSelectorPrefersHighestScore(t *testing.T) {
	s := newSelector(Score, zap.NewNop())
	require.Nil(t, s.selectPump(prewrite(1), 0))
	ps := testPumps("a", "b", "c")
	s.setPumps(ps)
	// Equal scores (pumps publish 0): round-robin like range.
	require.Equal(t, []string{"a", "b", "c", "a"}, selectIDs(s, 4))

	st := ps[1].Status()
	st.Score = 5
	ps[1].setStatus(&st)
	require.Equal(t, []string{"b", "b", "b"}, selectIDs(s, 3))
}

func TestLocalSelector(t *testing.T) {
	s := newSelector(LocalUnix, zap.NewNop())
	require.Nil(t, s.selectPump(prewrite(1), 0))
	s.setPumps(testPumps(localPumpID))
	for i := range 3 {
		require.Equal(t, localPumpID, s.selectPump(prewrite(int64(i)), i).nodeID)
	}
	s.setPumps(nil)
	require.Nil(t, s.selectPump(prewrite(1), 0))
}

func TestUnknownStrategyFallsBackToRange(t *testing.T) {
	for _, name := range []string{"", "unknown", "RANGE"} {
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			s := newSelector(name, zap.NewNop())
			require.IsType(t, &rangeSelector{}, s)
		})
	}
	require.IsType(t, &hashSelector{}, newSelector(Hash, zap.NewNop()))
	require.IsType(t, &scoreSelector{}, newSelector(Score, zap.NewNop()))
	require.IsType(t, &localSelector{}, newSelector(LocalUnix, zap.NewNop()))
}
