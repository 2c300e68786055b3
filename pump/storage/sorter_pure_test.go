package storage

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// sorterProbe drives a sorter without an engine and records its reports.
type sorterProbe struct {
	s         *sorter
	published []int64
	late      int
	ptr       int64
}

func newSorterProbe(indexedBefore valuePointer) *sorterProbe {
	p := &sorterProbe{}
	clock := time.Unix(100, 0)
	p.s = newSorter(0, valuePointer{}, indexedBefore, sorterCallbacks{
		publish: func(ts int64) { p.published = append(p.published, ts) },
		late:    func(n int, _ int64) { p.late += n },
		now:     func() time.Time { return clock },
	})
	return p
}

// push pushes items of the given type and timestamps at the next pointers.
func (p *sorterProbe) push(tp binlogpb.BinlogType, start, commit int64) {
	p.ptr += 100
	p.s.push([]kvItem{newKVItem(binlogpb.Header{Tp: tp, StartTs: start, CommitTs: commit}, valuePointer{offset: p.ptr})})
}

func TestSorterPureStateMachine(t *testing.T) {
	p := newSorterProbe(valuePointer{})
	const P, C = binlogpb.BinlogType_Prewrite, binlogpb.BinlogType_Commit
	p.push(P, 10, 0)
	p.push(P, 20, 0)
	p.push(C, 20, 21)
	require.False(t, p.s.process())
	require.Empty(t, p.published, "the unmatched prewrite 10 blocks commit 21")
	it, since, blocked := p.s.blocker()
	require.True(t, blocked)
	require.Equal(t, int64(10), it.start)
	require.Equal(t, time.Unix(100, 0), since)
	require.False(t, p.s.allMatched())

	p.push(C, 10, 15)
	p.s.process()
	require.Equal(t, []int64{21}, p.published, "one publish for the whole batch; 15 < 21 came out together")
	require.Zero(t, p.late)
	max, handle := p.s.state()
	require.Equal(t, int64(21), max)
	require.Equal(t, int64(300), handle.offset, "the record that moved the watermark")

	// a fake whose ts was taken before commit 21: not reported
	p.push(binlogpb.BinlogType_Rollback, 19, 19)
	p.s.process()
	require.Zero(t, p.late)
	// a real commit below the published watermark: reported
	p.push(P, 16, 0)
	p.push(C, 16, 17)
	p.s.process()
	require.Equal(t, 1, p.late)

	// a rolled-back prewrite without rollback binlog is dropped
	p.push(P, 30, 0)
	p.push(C, 31, 32)
	p.s.process()
	require.Equal(t, []int64{21}, p.published)
	p.s.dropPrewrite(30)
	p.s.process()
	require.Equal(t, []int64{21, 32}, p.published)
	require.True(t, p.s.allMatched())

	p.s.closeInput()
	require.True(t, p.s.process(), "finished once the input is closed and drained")
}

func TestSorterQuietForItemsIndexedBeforeOpen(t *testing.T) {
	p := newSorterProbe(valuePointer{offset: 1000})
	p.s.max = 50 // the persisted watermark
	p.push(binlogpb.BinlogType_Commit, 39, 40)
	p.s.process()
	require.Zero(t, p.late, "re-fed at open: indexed and served before")
}

// pushLive pushes an item as the value-log writer forwards it: written by
// write group group, its request queued when seen groups were acknowledged.
func (p *sorterProbe) pushLive(tp binlogpb.BinlogType, start, commit int64, group, seen uint64) {
	p.ptr += 100
	it := newKVItem(binlogpb.Header{Tp: tp, StartTs: start, CommitTs: commit}, valuePointer{offset: p.ptr})
	it.group, it.seen = group, seen
	p.s.push([]kvItem{it})
}

// A commit waits only for the unmatched prewrites acknowledged before its
// request was queued: a prewrite acknowledged later gets a larger commit ts.
func TestSorterCommitPassesPrewritesAckedAfterIt(t *testing.T) {
	p := newSorterProbe(valuePointer{})
	const P, C = binlogpb.BinlogType_Prewrite, binlogpb.BinlogType_Commit
	p.pushLive(P, 10, 0, 1, 0)  // acknowledged with group 1
	p.pushLive(P, 12, 0, 2, 1)  // group 2
	p.pushLive(C, 10, 20, 2, 1) // queued after group 1, before group 2 was acknowledged
	p.s.process()
	require.Equal(t, []int64{20}, p.published, "prewrite 12 of group 2 cannot get a commit below 20")
	it, _, blocked := p.s.blocker()
	require.True(t, blocked)
	require.Equal(t, int64(12), it.start, "the oldest unmatched prewrite is the one to resolve")
	max, handle := p.s.state()
	require.Equal(t, int64(20), max)
	require.Equal(t, int64(200), handle.offset, "a re-feed must start at the unmatched prewrite")

	p.pushLive(C, 30, 31, 3, 2) // queued after group 2: prewrite 12 may commit below 31
	p.s.process()
	require.Equal(t, []int64{20}, p.published)
	p.pushLive(C, 12, 25, 4, 2)
	p.s.process()
	require.Equal(t, []int64{20, 31}, p.published)
	require.Zero(t, p.late, "25 was indexed before 31 was published")
	_, handle = p.s.state()
	require.Equal(t, int64(400), handle.offset, "the record that moved the watermark")
	_, _, blocked = p.s.blocker()
	require.False(t, blocked)
	require.Empty(t, p.s.pend[p.s.pendHead:])
}

// Records read back from the value log (group 0, or no seen) wait for
// every unmatched prewrite before them.
func TestSorterRecordsWithoutGroupsWaitForEveryPrewrite(t *testing.T) {
	p := newSorterProbe(valuePointer{})
	const P, C = binlogpb.BinlogType_Prewrite, binlogpb.BinlogType_Commit
	p.pushLive(P, 10, 0, 0, noGroupSeen) // re-fed at open
	p.pushLive(C, 11, 12, 1, 0)          // the first live group
	p.s.process()
	require.Empty(t, p.published, "a re-fed prewrite blocks every commit")
	p.pushLive(C, 10, 11, 0, noGroupSeen)
	p.s.process()
	require.Equal(t, []int64{12}, p.published)

	p.pushLive(P, 40, 0, 7, 6)
	p.pushLive(C, 39, 41, 7, noGroupSeen) // read back by the slow chaser
	p.s.process()
	require.Equal(t, []int64{12}, p.published, "a commit read back waits")
}
