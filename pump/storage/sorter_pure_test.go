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
