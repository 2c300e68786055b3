package storage

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

func TestWritePullOrderingConcurrent(t *testing.T) {
	a := openTest(t, t.TempDir(), testOptions())
	defer closeTest(t, a)
	ts := newTSO()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := a.PullCommitBinlog(ctx, 0)

	const writers, perWriter = 16, 50
	var wg sync.WaitGroup
	values := sync.Map{}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWriter {
				v := fmt.Sprintf("w%d-%d", w, i)
				start, _ := writeTxn(t, a, ts, v)
				values.Store(start, v)
			}
		}()
	}
	wg.Wait()
	got := receive(t, ch, writers*perWriter)
	for i, b := range got {
		if i > 0 {
			require.Greater(t, b.CommitTS, got[i-1].CommitTS)
		}
		bl := unmarshal(t, b.Payload)
		require.Equal(t, binlogpb.BinlogType_Commit, bl.GetTp())
		require.Equal(t, b.StartTS, bl.GetStartTs())
		require.Equal(t, b.CommitTS, bl.GetCommitTs())
		v, ok := values.Load(b.StartTS)
		require.True(t, ok)
		require.Equal(t, v, string(bl.PrewriteValue), "commit merged with its prewrite value")
	}
	require.True(t, a.AllMatched())
	require.Equal(t, got[len(got)-1].CommitTS, a.MaxCommitTS())
	requireNothing(t, ch)
}

func TestMergeCopiesPrewriteFields(t *testing.T) {
	a := openTest(t, t.TempDir(), testOptions())
	defer closeTest(t, a)
	ts := newTSO()
	start := ts.next()
	p := prewrite(start, "rows")
	p.DdlQuery = []byte("create table t (a int)")
	p.DdlJobId = new(int64(42))
	p.DdlSchemaState = new(int32(5))
	mustWrite(t, a, p)
	commit := ts.next()
	mustWrite(t, a, commitOf(start, commit))

	got := receive(t, a.PullCommitBinlog(t.Context(), 0), 1)[0]
	b := unmarshal(t, got.Payload)
	require.Equal(t, binlogpb.BinlogType_Commit, b.GetTp())
	require.Equal(t, commit, b.GetCommitTs())
	require.Equal(t, start, b.GetStartTs())
	require.Equal(t, "rows", string(b.PrewriteValue))
	require.Equal(t, "create table t (a int)", string(b.DdlQuery))
	require.Equal(t, int64(42), b.GetDdlJobId())
	require.Equal(t, int32(5), b.GetDdlSchemaState())
	require.Nil(t, b.PrewriteKey, "the prewrite key is not copied")
}

func TestFakeBinlogPulledAsIsAndRollbackNever(t *testing.T) {
	a := openTest(t, t.TempDir(), testOptions())
	defer closeTest(t, a)
	ts := newTSO()
	ch := a.PullCommitBinlog(t.Context(), 0)

	start := ts.next()
	mustWrite(t, a, prewrite(start, "rolled back"))
	mustWrite(t, a, binlogpb.NewBinlog(binlogpb.BinlogType_Rollback, start, 0))
	f := fake(ts.next())
	payload := []byte{}
	payload = append(payload, mustMarshal(t, f)...)
	require.NoError(t, a.WriteBinlog(t.Context(), f.Header(), payload))

	got := receive(t, ch, 1)[0]
	require.Equal(t, f.GetStartTs(), got.StartTS)
	require.Equal(t, f.GetCommitTs(), got.CommitTS)
	require.Equal(t, payload, got.Payload, "a fake binlog is sent as stored")
	require.True(t, a.AllMatched())
	requireNothing(t, ch)
	_, c := writeTxn(t, a, ts, "after")
	require.Equal(t, c, receive(t, ch, 1)[0].CommitTS, "the rollback was never pulled")
}

func TestProbeIsNoOp(t *testing.T) {
	dir := t.TempDir()
	a := openTest(t, dir, testOptions())
	require.NoError(t, writeB(t.Context(), a, binlogpb.NewBinlog(binlogpb.BinlogType_Prewrite, 0, 0)))
	require.Equal(t, int64(0), a.vlog.end().offset, "nothing written")
	closeTest(t, a)
}

func TestCommitWithoutPrewriteSkipped(t *testing.T) {
	a := openTest(t, t.TempDir(), testOptions())
	defer closeTest(t, a)
	ts := newTSO()
	ch := a.PullCommitBinlog(t.Context(), 0)
	orphan := ts.next()
	mustWrite(t, a, commitOf(orphan, ts.next()))
	_, c := writeTxn(t, a, ts, "v")
	got := receive(t, ch, 1)
	require.Equal(t, c, got[0].CommitTS)
}

func TestPullStartsAfterLastAndAtGCTS(t *testing.T) {
	a := openTest(t, t.TempDir(), testOptions())
	defer closeTest(t, a)
	ts := newTSO()
	var commits []int64
	for i := range 5 {
		_, c := writeTxn(t, a, ts, fmt.Sprint(i))
		commits = append(commits, c)
	}
	require.Eventually(t, func() bool { return a.MaxCommitTS() == commits[4] }, 10*time.Second, time.Millisecond)
	got := receive(t, a.PullCommitBinlog(t.Context(), commits[1]), 3)
	require.Equal(t, commits[2], got[0].CommitTS)

	a.GC(commits[2])
	require.Equal(t, commits[2], a.GCTS())
	got = receive(t, a.PullCommitBinlog(t.Context(), 0), 2)
	require.Equal(t, commits[3], got[0].CommitTS, "a pull below the gc ts starts at it")
}

func TestPullClosedOnContextAndClose(t *testing.T) {
	a := openTest(t, t.TempDir(), testOptions())
	ctx, cancel := context.WithCancel(context.Background())
	ch := a.PullCommitBinlog(ctx, 0)
	cancel()
	_, ok := <-ch
	require.False(t, ok)

	ch = a.PullCommitBinlog(context.Background(), 0)
	closeTest(t, a)
	_, ok = <-ch
	require.False(t, ok)
	_, ok = <-a.PullCommitBinlog(context.Background(), 0)
	require.False(t, ok, "pull after close")
}

func TestWriteAfterCloseAndDoubleClose(t *testing.T) {
	a := openTest(t, t.TempDir(), testOptions())
	closeTest(t, a)
	err := writeB(t.Context(), a, prewrite(1, "x"))
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, a.Close(), ErrClosed)
}

func TestSecondOpenLocked(t *testing.T) {
	dir := t.TempDir()
	a := openTest(t, dir, testOptions())
	_, err := Open(dir, testOptions())
	require.ErrorIs(t, err, ErrLocked)
	closeTest(t, a)
	b, err := Open(dir, testOptions())
	require.NoError(t, err, "the lock is released by Close")
	require.NoError(t, b.Close())
}

func TestReadBinlog(t *testing.T) {
	a := openTest(t, t.TempDir(), testOptions())
	defer closeTest(t, a)
	ts := newTSO()
	start, commit := writeTxn(t, a, ts, "value")
	require.Eventually(t, func() bool { return a.MaxCommitTS() == commit }, 10*time.Second, time.Millisecond)
	p, err := a.ReadBinlog(start)
	require.NoError(t, err)
	require.Equal(t, binlogpb.BinlogType_Prewrite, p.GetTp())
	require.Equal(t, "value", string(p.PrewriteValue))
	c, err := a.ReadBinlog(commit)
	require.NoError(t, err)
	require.Equal(t, binlogpb.BinlogType_Commit, c.GetTp())
	_, err = a.ReadBinlog(commit + 100)
	require.ErrorIs(t, err, ErrNotFound)
}

func TestWriteWithCancelledContextNotQueued(t *testing.T) {
	a := openTest(t, t.TempDir(), testOptions())
	defer closeTest(t, a)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := newTSO().next()
	err := writeB(ctx, a, prewrite(start, "x"))
	require.ErrorIs(t, err, context.Canceled)
	mustWrite(t, a, fake(start+1)) // a later write goes through, and is indexed after the first
	require.Eventually(t, func() bool { _, err := a.ReadBinlog(start + 1); return err == nil },
		10*time.Second, time.Millisecond)
	_, err = a.ReadBinlog(start)
	require.ErrorIs(t, err, ErrNotFound)
}

// TestConcurrentWritesAcrossClose: writers racing with Close either get
// their binlog written (and found after reopening) or ErrClosed; Close
// waits for the queued ones and nothing hangs.
func TestConcurrentWritesAcrossClose(t *testing.T) {
	dir := t.TempDir()
	a := openTest(t, dir, testOptions())
	ts := newTSO()
	var (
		mu    sync.Mutex
		acked []int64
		wg    sync.WaitGroup
	)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				start := ts.next()
				err := writeB(context.Background(), a, prewrite(start, "v"))
				if errors.Is(err, ErrClosed) {
					return
				}
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				acked = append(acked, start)
				mu.Unlock()
			}
		}()
	}
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= 500 },
		30*time.Second, time.Millisecond)
	require.NoError(t, a.Close())
	wg.Wait()

	a = openTest(t, dir, testOptions())
	defer closeTest(t, a)
	for _, start := range acked {
		_, err := a.ReadBinlog(start)
		require.NoError(t, err, "acknowledged prewrite %d", start)
	}
}

func TestWatermarkWakesPullerPromptly(t *testing.T) {
	a := openTest(t, t.TempDir(), testOptions())
	defer closeTest(t, a)
	ts := newTSO()
	ch := a.PullCommitBinlog(t.Context(), 0)
	var worst time.Duration
	for i := range 20 {
		_, c := writeTxn(t, a, ts, fmt.Sprint(i))
		t0 := time.Now()
		got := receive(t, ch, 1)
		require.Equal(t, c, got[0].CommitTS)
		worst = max(worst, time.Since(t0))
	}
	t.Logf("worst commit-ack to pull latency: %v", worst)
	require.Less(t, worst, 2*time.Second)
}

func mustMarshal(t testing.TB, b *binlogpb.Binlog) []byte {
	t.Helper()
	p, err := protoMarshal(b)
	require.NoError(t, err)
	return p
}

// PullCommitBinlogFunc sends in the caller's goroutine, returns the send
// function's own error, and nil once the context ends or the Append closes.
func TestPullFunc(t *testing.T) {
	a := openTest(t, t.TempDir(), testOptions())
	ts := newTSO()
	_, c1 := writeTxn(t, a, ts, "one")
	_, c2 := writeTxn(t, a, ts, "two")

	errStop := errors.New("enough")
	var got []int64
	err := a.PullCommitBinlogFunc(t.Context(), 0, func(b PulledBinlog) error {
		got = append(got, b.CommitTS)
		if len(got) == 2 {
			return errStop
		}
		return nil
	})
	require.Same(t, errStop, err, "the send function's error, as it is")
	require.Equal(t, []int64{c1, c2}, got)

	ctx, cancel := context.WithCancel(t.Context())
	err = a.PullCommitBinlogFunc(ctx, c1, func(b PulledBinlog) error {
		require.Equal(t, c2, b.CommitTS)
		cancel()
		return nil
	})
	require.NoError(t, err, "the context ended")

	done := make(chan error, 1)
	go func() { done <- a.PullCommitBinlogFunc(t.Context(), c2, func(PulledBinlog) error { return nil }) }()
	closeTest(t, a) // Close waits for the pull, which returns
	require.NoError(t, <-done)
	require.NoError(t, a.PullCommitBinlogFunc(t.Context(), 0, func(PulledBinlog) error { return errStop }),
		"closed: nothing is sent")
}

// TiDB writes the commit binlog without waiting for it, and the next
// transaction's prewrite goes on meanwhile: the stream must still be
// complete and in commit-ts order, with no commit below the watermark.
func TestWritePullOrderingAsyncCommits(t *testing.T) {
	a, logs := openObserved(t)
	defer closeTest(t, a)
	ts := newTSO()
	ch := a.PullCommitBinlog(t.Context(), 0)

	const writers, perWriter = 64, 40
	var wg, commits sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perWriter {
				start := ts.next()
				mustWrite(t, a, prewrite(start, "v"))
				commit := ts.next()
				commits.Add(1)
				go func() {
					defer commits.Done()
					mustWrite(t, a, commitOf(start, commit))
				}()
			}
		}()
	}
	got := receive(t, ch, writers*perWriter)
	wg.Wait()
	commits.Wait()
	for i := 1; i < len(got); i++ {
		require.Greater(t, got[i].CommitTS, got[i-1].CommitTS)
	}
	require.Zero(t, lateWarnings(logs))
	require.True(t, a.AllMatched())
	requireNothing(t, ch)
}
