package storage

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPulledPrewritesKeepsUntilTakenWithinBudget(t *testing.T) {
	var c pulledPrewrites
	c.put(1, []byte("one"))
	c.put(2, []byte("two"))
	p, ok := c.take(1)
	require.True(t, ok)
	require.Equal(t, "one", string(p))
	_, ok = c.take(1)
	require.False(t, ok, "taken once")

	big := make([]byte, pullPrewriteBytes/2+1)
	c.put(3, big)
	c.put(4, big) // over the budget: the oldest kept (2, then 3) go
	_, ok = c.take(2)
	require.False(t, ok)
	_, ok = c.take(3)
	require.False(t, ok)
	p, ok = c.take(4)
	require.True(t, ok)
	require.Len(t, p, len(big))
	require.Zero(t, c.size)
	require.Empty(t, c.byStart)
	require.Empty(t, c.order[c.head:])

	c.put(5, make([]byte, pullPrewriteBytes+1)) // larger than the budget: not kept
	_, ok = c.take(5)
	require.False(t, ok)
}

// A stream reads every record once: a commit's merge uses the prewrite the
// stream read at the prewrite's own key.
func TestPullReadsEachRecordOnce(t *testing.T) {
	k := testKnobs()
	var mu sync.Mutex
	reads := map[valuePointer]int{}
	k.readFault = func(p valuePointer) error {
		mu.Lock()
		reads[p]++
		mu.Unlock()
		return nil
	}
	a, err := openWithKnobs(t.TempDir(), testOptions(), k)
	require.NoError(t, err)
	defer closeTest(t, a)
	ts := newTSO()
	var commits []int64
	for i := range 30 {
		_, c := writeTxn(t, a, ts, strings.Repeat("v", 100*i+1))
		commits = append(commits, c)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var got []int64
	require.NoError(t, a.PullCommitBinlogFunc(ctx, 0, func(b PulledBinlog) error {
		got = append(got, b.CommitTS)
		if len(got) == len(commits) {
			cancel()
		}
		return nil
	}))
	require.Equal(t, commits, got)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, reads, 2*len(commits))
	for p, n := range reads {
		require.Equal(t, 1, n, "record at %+v read %d times", p, n)
	}
}
