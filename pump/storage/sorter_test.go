package storage

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// fakeResolver answers from a table keyed by start_ts.
type fakeResolver struct {
	mu      sync.Mutex
	answers map[int64]Resolution
	asked   map[int64]int
}

var _ Resolver = (*fakeResolver)(nil)

func newFakeResolver() *fakeResolver {
	return &fakeResolver{answers: map[int64]Resolution{}, asked: map[int64]int{}}
}

func (r *fakeResolver) Resolve(_ context.Context, p *binlogpb.Binlog) (Resolution, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked[p.GetStartTs()]++
	return r.answers[p.GetStartTs()], nil
}

func (r *fakeResolver) set(start int64, res Resolution) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers[start] = res
}

func (r *fakeResolver) timesAsked(start int64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.asked[start]
}

func TestWatermarkBlockedByUnmatchedPrewrite(t *testing.T) {
	a := openTest(t, t.TempDir(), testOptions())
	defer closeTest(t, a)
	ts := newTSO()
	ch := a.PullCommitBinlog(t.Context(), 0)

	_, c1 := writeTxn(t, a, ts, "first")
	require.Equal(t, c1, receive(t, ch, 1)[0].CommitTS)

	blocker := ts.next()
	mustWrite(t, a, prewrite(blocker, "blocker"))
	_, c2 := writeTxn(t, a, ts, "behind the blocker")
	// the sorter has seen the commit of txn 2, yet the watermark stays
	require.Eventually(t, func() bool { return a.sorterHolds(c2) }, 10*time.Second, time.Millisecond)
	require.Equal(t, c1, a.MaxCommitTS())
	require.False(t, a.AllMatched())
	requireNothing(t, ch)

	c3 := ts.next()
	mustWrite(t, a, commitOf(blocker, c3))
	got := receive(t, ch, 2)
	require.Equal(t, c2, got[0].CommitTS)
	require.Equal(t, c3, got[1].CommitTS)
	require.Equal(t, "blocker", string(unmarshal(t, got[1].Payload).PrewriteValue))
	require.True(t, a.AllMatched())
}

func TestResolverCommitted(t *testing.T) {
	r := newFakeResolver()
	o := testOptions()
	o.Resolver = r
	a := openTest(t, t.TempDir(), o)
	defer closeTest(t, a)
	ts := newTSO()
	ch := a.PullCommitBinlog(t.Context(), 0)

	lost := ts.next()
	commit := ts.next() // committed before txn 2 started (a ts no other binlog has)
	mustWrite(t, a, prewrite(lost, "tidb crashed before commit"))
	_, c2 := writeTxn(t, a, ts, "later txn")
	require.Eventually(t, func() bool { return r.timesAsked(lost) >= 2 }, 10*time.Second, time.Millisecond,
		"undecided: asked again on each tick")
	requireNothing(t, ch)

	r.set(lost, Resolution{Status: TxnCommitted, CommitTS: commit})
	got := receive(t, ch, 2)
	require.Equal(t, commit, got[0].CommitTS, "synthetic commit pulled")
	b := unmarshal(t, got[0].Payload)
	require.Equal(t, binlogpb.BinlogType_Commit, b.GetTp())
	require.Equal(t, lost, b.GetStartTs())
	require.Equal(t, "tidb crashed before commit", string(b.PrewriteValue))
	require.Equal(t, c2, got[1].CommitTS)
	require.True(t, a.AllMatched())
	synthetic, err := a.ReadBinlog(commit)
	require.NoError(t, err)
	require.Nil(t, synthetic.PrewriteValue, "the stored synthetic commit has no prewrite value")
}

func TestResolverRolledBack(t *testing.T) {
	r := newFakeResolver()
	o := testOptions()
	o.Resolver = r
	reg := newRegistry()
	o.Registerer = reg
	a := openTest(t, t.TempDir(), o)
	defer closeTest(t, a)
	ts := newTSO()
	ch := a.PullCommitBinlog(t.Context(), 0)

	lost := ts.next()
	r.set(lost, Resolution{Status: TxnRolledBack})
	mustWrite(t, a, prewrite(lost, "rolled back"))
	_, c2 := writeTxn(t, a, ts, "later txn")
	got := receive(t, ch, 1)
	require.Equal(t, c2, got[0].CommitTS, "the rolled back prewrite is dropped")
	require.True(t, a.AllMatched())
	require.GreaterOrEqual(t, counterValue(t, reg, "binlog_pump_storage_query_tikv_count", nil), 1.0)
	requireNothing(t, ch)
}

func TestRealRollbackNeverAdvancesWatermark(t *testing.T) {
	a := openTest(t, t.TempDir(), testOptions())
	defer closeTest(t, a)
	ts := newTSO()
	_, c := writeTxn(t, a, ts, "x")
	require.Eventually(t, func() bool { return a.MaxCommitTS() == c }, 10*time.Second, time.Millisecond)
	start := ts.next()
	mustWrite(t, a, prewrite(start, "y"))
	mustWrite(t, a, binlogpb.NewBinlog(binlogpb.BinlogType_Rollback, start, 0))
	require.Eventually(t, func() bool { return a.AllMatched() && a.sorterQueued() == 0 }, 10*time.Second, time.Millisecond)
	require.Equal(t, c, a.MaxCommitTS())
}

// Commits of concurrent transactions arrive in any order. Those released by
// the same matched prewrite are all served, without a warning.
func TestOutOfOrderCommitsServedWithoutWarning(t *testing.T) {
	a, logs := openObserved(t)
	defer closeTest(t, a)
	ts := newTSO()
	ch := a.PullCommitBinlog(t.Context(), 0)

	s1, s2 := ts.next(), ts.next()
	mustWrite(t, a, prewrite(s1, "one"))
	mustWrite(t, a, prewrite(s2, "two"))
	c1, c2 := ts.next(), ts.next()
	mustWrite(t, a, commitOf(s2, c2)) // the later commit ts arrives first
	mustWrite(t, a, commitOf(s1, c1))
	got := receive(t, ch, 2)
	require.Equal(t, []int64{c1, c2}, []int64{got[0].CommitTS, got[1].CommitTS})
	require.Equal(t, c2, a.MaxCommitTS())
	require.Zero(t, logs.FilterMessageSnippet("max commit ts").Len())
}

// A commit below the watermark already published cannot reach pullers that
// passed it: it is logged.
func TestCommitBelowPublishedWatermarkIsLogged(t *testing.T) {
	a, logs := openObserved(t)
	defer closeTest(t, a)
	ts := newTSO()
	ch := a.PullCommitBinlog(t.Context(), 0)

	late, lateCommit := ts.next(), ts.next()
	_, c := writeTxn(t, a, ts, "on time")
	require.Equal(t, c, receive(t, ch, 1)[0].CommitTS)
	mustWrite(t, a, prewrite(late, "late"))
	mustWrite(t, a, commitOf(late, lateCommit))
	require.Eventually(t, func() bool {
		return logs.FilterMessageSnippet("max commit ts").Len() == 1
	}, 10*time.Second, time.Millisecond)
	require.Equal(t, c, a.MaxCommitTS())
}

// openObserved opens a test storage whose warnings are recorded.
func openObserved(t *testing.T) (*Append, *observer.ObservedLogs) {
	core, logs := observer.New(zap.WarnLevel)
	o := testOptions()
	o.Logger = zap.New(core)
	return openTest(t, t.TempDir(), o), logs
}

// TestLateCommitWarning: the warning about commits below the published
// watermark fires for a real late commit, not for a fake binlog whose ts was
// taken before a concurrent commit's.
func TestLateCommitWarning(t *testing.T) {
	core, logs := observer.New(zap.WarnLevel)
	o := testOptions()
	o.Logger = zap.New(core)
	a := openTest(t, t.TempDir(), o)
	defer closeTest(t, a)
	ts := newTSO()
	early, fakeTS := ts.next(), ts.next()
	_, c2 := writeTxn(t, a, ts, "v")
	require.Eventually(t, func() bool { return a.MaxCommitTS() == c2 }, 10*time.Second, time.Millisecond)

	mustWrite(t, a, fake(fakeTS))
	require.Eventually(t, func() bool { return a.sorterQueued() == 0 }, 10*time.Second, time.Millisecond)
	require.Never(t, func() bool { return lateWarnings(logs) > 0 }, 50*time.Millisecond, 5*time.Millisecond)

	mustWrite(t, a, prewrite(early, "late"))
	mustWrite(t, a, commitOf(early, early+1))
	require.Eventually(t, func() bool { return lateWarnings(logs) == 1 }, 10*time.Second, time.Millisecond)
}

func lateWarnings(logs *observer.ObservedLogs) int {
	return logs.FilterMessageSnippet("below the published max commit ts").Len()
}

// The value-log writer numbers its groups and tells each record which
// groups were acknowledged before its request was queued.
func TestWriterNumbersGroups(t *testing.T) {
	a := openTest(t, t.TempDir(), testOptions())
	defer closeTest(t, a)
	ts := newTSO()
	blocker, s2 := ts.next(), ts.next()
	mustWrite(t, a, prewrite(blocker, "blocker"))
	mustWrite(t, a, prewrite(s2, "two"))
	c2 := ts.next()
	mustWrite(t, a, commitOf(s2, c2))
	var p, c kvItem
	require.Eventually(t, func() bool { // processed: the commit waits for the blocker
		a.sorter.mu.Lock()
		defer a.sorter.mu.Unlock()
		s := a.sorter
		if s.pendHead == len(s.pend) || s.head == len(s.queue) || s.queue[s.head].commit != c2 {
			return false
		}
		p, c = s.pend[s.pendHead], s.queue[s.head]
		return true
	}, 10*time.Second, time.Millisecond)
	require.Equal(t, blocker, p.start)
	require.Equal(t, uint64(1), p.group)
	require.Equal(t, c2, c.commit)
	require.Equal(t, uint64(3), c.group)
	require.Equal(t, uint64(2), c.seen)
	require.Zero(t, a.MaxCommitTS(), "the blocker was acknowledged before the commit was queued")
}
