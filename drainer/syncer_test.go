package drainer

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/stretchr/testify/require"
)

type syncerHarness struct {
	schema *fakeSchema
	jobs   fakeJobs
	sink   *fakeSink
	cp     *fakeCheckpoint
	in     chan *binlogpb.Binlog
	s      *Syncer
	cancel context.CancelFunc
	done   chan error
}

func newHarness(t *testing.T, auto bool, opts SyncerOptions, mod func(*SyncerDeps)) *syncerHarness {
	t.Helper()
	h := &syncerHarness{schema: newFakeSchema(), jobs: fakeJobs{}, sink: newFakeSink(auto), cp: &fakeCheckpoint{ts: 100},
		in: make(chan *binlogpb.Binlog), done: make(chan error, 1)}
	h.schema.tables[1] = [2]string{"db", "t"}
	h.schema.tables[2] = [2]string{"db", "skipme"}
	if opts.DestDBType == "" {
		opts.DestDBType = DBTypeMySQL
	}
	if opts.SaveInterval == 0 {
		opts.SaveInterval = time.Hour
	}
	deps := SyncerDeps{Schema: h.schema, Jobs: h.jobs, Sink: h.sink, Checkpoint: h.cp}
	if mod != nil {
		mod(&deps)
	}
	h.s = NewSyncer(opts, deps)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- h.s.Run(ctx, h.in) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(5 * time.Second):
			t.Error("syncer did not stop")
		}
	})
	return h
}

func (h *syncerHarness) stop(t *testing.T) error {
	t.Helper()
	h.cancel()
	select {
	case err := <-h.done:
		h.done <- err
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("syncer did not stop")
		return nil
	}
}

func TestSyncerDMLAndFakeMarkerAfterPrecedingItem(t *testing.T) {
	h := newHarness(t, false, SyncerOptions{SaveInterval: time.Millisecond}, nil)
	h.in <- dmlBinlog(110, 120, 7, insertMut(1, "r1"))
	h.in <- fakeBinlog(130)
	require.Eventually(t, func() bool { return len(h.sink.sent()) == 1 }, 5*time.Second, time.Millisecond)
	it := h.sink.sent()[0]
	require.Equal(t, int64(120), it.CommitTS())
	require.Equal(t, int64(7), it.SchemaVersion)
	require.Contains(t, h.schema.applied, int64(7))
	time.Sleep(20 * time.Millisecond)
	require.Less(t, h.cp.TS(), int64(120), "nothing is saved before the sink confirms")
	h.sink.release()
	require.Eventually(t, func() bool { return h.cp.TS() == 130 }, 5*time.Second, time.Millisecond,
		"the fake marker is released once the DML before it succeeded")
	require.NoError(t, h.stop(t))
	require.Equal(t, cpSave{130, 0, true, 7}, h.cp.last())
}

func TestSyncerIgnoreTxnCommitTSAndFilters(t *testing.T) {
	h := newHarness(t, true, SyncerOptions{IgnoreTxnCommitTS: []int64{120}}, func(d *SyncerDeps) {
		d.Tables = fakeTables{"db.skipme": true}
		d.Events = fakeEvents{dml: map[loader.DMLType]bool{loader.DeleteDMLType: true}}
	})
	h.schema.truncated[3] = true
	h.in <- dmlBinlog(110, 120, 1, insertMut(1, "ignored"))
	h.in <- dmlBinlog(121, 122, 1, insertMut(2, "filtered table"))
	h.in <- dmlBinlog(123, 124, 1, insertMut(3, "truncated id"))
	del := &binlogpb.TableMutation{TableId: insertMut(1).TableId, DeletedRows: [][]byte{[]byte("d")},
		Sequence: []binlogpb.MutationType{binlogpb.MutationType_DeleteRow}}
	h.in <- dmlBinlog(125, 126, 1, del)
	h.in <- dmlBinlog(127, 128, 1, insertMut(1, "kept"), insertMut(2, "dropped"))
	require.Eventually(t, func() bool { return len(h.sink.sent()) == 1 }, 5*time.Second, time.Millisecond)
	require.NoError(t, h.stop(t))
	sent := h.sink.sent()
	require.Len(t, sent, 1)
	require.Equal(t, int64(128), sent[0].CommitTS())
	require.Len(t, sent[0].PrewriteValue.Mutations, 1)
	require.Equal(t, int64(1), sent[0].PrewriteValue.Mutations[0].GetTableId())
	require.Equal(t, int64(128), h.cp.last().ts)
	require.True(t, h.cp.last().consistent)
}

func TestSyncerDDL(t *testing.T) {
	h := newHarness(t, true, SyncerOptions{SyncDDL: true, SaveInterval: time.Millisecond}, nil)
	h.jobs[1] = job(1, model.ActionCreateTable, 10, "db", "t", "create table t (a int)")
	h.jobs[2] = job(2, model.ActionLockTable, 11, "db", "t", "lock tables t read")
	h.schema.unsupported[model.ActionLockTable] = true
	h.jobs[3] = job(3, model.ActionAddColumn, 12, "db", "t", "alter table t add b int")
	h.jobs[3].State = model.JobStateCancelled
	h.jobs[4] = job(4, model.ActionDropColumn, 13, "db", "t", "alter table t drop b")
	h.in <- ddlBinlog(110, 120, 1, "create table t (a int)")
	h.in <- ddlBinlog(121, 122, 2, "lock tables t read")
	h.in <- ddlBinlog(123, 124, 3, "alter table t add b int")
	h.in <- ddlBinlog(125, 126, 99, "SELECT SETVAL(seq, 10)")
	deleteOnly := ddlBinlog(127, 128, 4, "alter table t drop b")
	deleteOnly.DdlSchemaState = new(int32)
	*deleteOnly.DdlSchemaState = int32(model.StateDeleteOnly)
	h.in <- deleteOnly
	h.in <- fakeBinlog(130)
	require.Eventually(t, func() bool { return h.cp.TS() == 130 }, 5*time.Second, time.Millisecond)
	require.NoError(t, h.stop(t))
	sent := h.sink.sent()
	require.Len(t, sent, 1)
	require.True(t, sent[0].IsDDL())
	require.Equal(t, "db", sent[0].Schema)
	require.Equal(t, "t", sent[0].Table)
	require.Equal(t, int64(10), sent[0].SchemaVersion)
	require.False(t, sent[0].ShouldSkip)
	require.Equal(t, int64(130), h.cp.last().ts)
}

func TestSyncerSyncDDLFalse(t *testing.T) {
	for _, tc := range []struct {
		dest string
		sent int
	}{{DBTypeMySQL, 1}, {DBTypeFile, 0}} {
		t.Run(tc.dest, func(t *testing.T) {
			h := newHarness(t, true, SyncerOptions{DestDBType: tc.dest, SyncDDL: false}, nil)
			h.jobs[1] = job(1, model.ActionCreateTable, 10, "db", "t", "create table t (a int)")
			h.in <- ddlBinlog(110, 120, 1, "create table t (a int)")
			h.in <- fakeBinlog(130)
			require.Eventually(t, func() bool { return h.s.progress.lastTSValue() == 130 }, 5*time.Second, time.Millisecond)
			require.NoError(t, h.stop(t))
			require.Len(t, h.sink.sent(), tc.sent)
			if tc.sent > 0 {
				require.True(t, h.sink.sent()[0].ShouldSkip)
			}
		})
	}
}

func TestSyncerSafeModeWindow(t *testing.T) {
	h := newHarness(t, true, SyncerOptions{SafeMode: false, SafeModeWindow: 50 * time.Millisecond}, nil)
	require.Eventually(t, func() bool { return len(h.sink.safeModes()) == 2 }, 5*time.Second, time.Millisecond)
	require.Equal(t, []bool{true, false}, h.sink.safeModes())
	require.NoError(t, h.stop(t))
}

func TestSyncerSinkErrorIsFatal(t *testing.T) {
	h := newHarness(t, true, SyncerOptions{}, nil)
	h.in <- dmlBinlog(110, 120, 1, insertMut(1, "r"))
	boom := errors.New("boom")
	h.sink.errc <- boom
	select {
	case err := <-h.done:
		require.ErrorIs(t, err, boom)
		h.done <- err
	case <-time.After(5 * time.Second):
		t.Fatal("syncer did not stop on a sink error")
	}
	for _, s := range h.cp.saves {
		require.False(t, s.consistent, "no consistent save after a failure")
	}
}

func TestSyncerCheckpointSaveErrorIsFatal(t *testing.T) {
	h := newHarness(t, true, SyncerOptions{}, nil)
	h.cp.mu.Lock()
	h.cp.err = errors.New("disk full")
	h.cp.mu.Unlock()
	h.jobs[1] = job(1, model.ActionCreateTable, 10, "db", "t", "create table t (a int)")
	h.in <- ddlBinlog(110, 120, 1, "create table t (a int)")
	select {
	case err := <-h.done:
		require.ErrorContains(t, err, "disk full")
		require.ErrorContains(t, err, "120")
		h.done <- err
	case <-time.After(5 * time.Second):
		t.Fatal("syncer did not stop on a checkpoint error")
	}
}

func TestSyncerSavesAfterDDLAndAppliedTS(t *testing.T) {
	cp := &fakeCheckpoint{}
	p := newProgress(cp, time.Hour, nil, newMetrics(nil))
	item := &sink.Item{Binlog: dmlBinlog(1, 5, 1)}
	p.sent(item)
	require.NoError(t, p.done(item))
	require.Empty(t, cp.saves, "a DML within the interval is not saved")
	item = &sink.Item{Binlog: dmlBinlog(6, 7, 1), AppliedTS: 99, SchemaVersion: 1}
	p.sent(item)
	require.NoError(t, p.done(item))
	require.Equal(t, cpSave{7, 99, false, 1}, cp.last())
}

func TestByteQueueBoundsBytes(t *testing.T) {
	q := newByteQueue(100, 300)
	big := dmlBinlog(1, 2, 1, insertMut(1, string(make([]byte, 200))))
	require.True(t, q.push(big))
	pushed := make(chan bool)
	go func() { pushed <- q.push(big) }()
	select {
	case <-pushed:
		t.Fatal("the second big binlog must wait")
	case <-time.After(20 * time.Millisecond):
	}
	require.Equal(t, big, q.pop())
	require.True(t, <-pushed)
	q.close()
	require.Equal(t, big, q.pop())
	require.Nil(t, q.pop())
}
