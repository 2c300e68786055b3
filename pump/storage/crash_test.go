package storage

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

const crashChildEnv = "STORAGE_CRASH_CHILD_DIR"

// crashChild runs in a child process: it writes transactions from several
// goroutines and prints "C <start> <commit>" once a commit is acknowledged,
// until the parent kills it with SIGKILL.
func crashChild() {
	o := DefaultOptions()
	o.StopWriteAtAvailableSpace = 0
	o.ValueLogFileSize = 64 << 10 // rotate often
	a, err := Open(os.Getenv(crashChildEnv), o)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	ts := newTSO()
	pad := strings.Repeat("x", 200)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				start := ts.next()
				if writeB(context.Background(), a, prewrite(start, fmt.Sprintf("w%d-%d-%s", w, i, pad))) != nil {
					return
				}
				commit := ts.next()
				if writeB(context.Background(), a, commitOf(start, commit)) != nil {
					return
				}
				mu.Lock()
				fmt.Fprintf(os.Stdout, "C %d %d\n", start, commit)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// rollbackAll resolves every orphan prewrite as rolled back.
type rollbackAll struct{}

func (rollbackAll) Resolve(context.Context, *binlogpb.Binlog) (Resolution, error) {
	return Resolution{Status: TxnRolledBack}, nil
}

// TestCrashRecoveryKill9 kills a writing process and checks that every
// acknowledged commit is pulled back exactly once, in order.
func TestCrashRecoveryKill9(t *testing.T) {
	dir := t.TempDir()
	for round := range 2 {
		acked := runAndKill(t, dir, 400+200*round)
		o := testOptions()
		o.Resolver = rollbackAll{}
		a := openTest(t, dir, o)
		got := pullUntil(t, a, acked)
		seen := make(map[int64]bool, len(got))
		for i, b := range got {
			require.False(t, seen[b.CommitTS], "duplicate commit %d", b.CommitTS)
			seen[b.CommitTS] = true
			if i > 0 {
				require.Greater(t, b.CommitTS, got[i-1].CommitTS)
			}
			if start, ok := acked[b.CommitTS]; ok {
				require.Equal(t, start, b.StartTS)
				require.NotEmpty(t, unmarshal(t, b.Payload).PrewriteValue)
			}
		}
		for c := range acked {
			require.True(t, seen[c], "acknowledged commit %d lost", c)
		}
		closeTest(t, a)
	}
	fids, err := listFids(filepath.Join(dir, "value"))
	require.NoError(t, err)
	require.Greater(t, len(fids), 2, "the value log rotated")
}

func runAndKill(t *testing.T, dir string, acks int) map[int64]int64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	acked := map[int64]int64{}
	sc := bufio.NewScanner(out)
	for len(acked) < acks && sc.Scan() {
		f := strings.Fields(sc.Text())
		require.Len(t, f, 3)
		start, err1 := strconv.ParseInt(f[1], 10, 64)
		commit, err2 := strconv.ParseInt(f[2], 10, 64)
		require.NoError(t, err1)
		require.NoError(t, err2)
		acked[commit] = start
	}
	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait()
	require.Len(t, acked, acks, "child stopped early")
	return acked
}

// pullUntil pulls from 0 until every acknowledged commit was seen and the
// stream is idle at the watermark.
func pullUntil(t *testing.T, a *Append, acked map[int64]int64) []PulledBinlog {
	t.Helper()
	var last int64
	for c := range acked {
		last = max(last, c)
	}
	require.Eventually(t, func() bool { return a.MaxCommitTS() >= last }, 20*time.Second, time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := a.PullCommitBinlog(ctx, 0)
	var got []PulledBinlog
	deadline := time.After(20 * time.Second)
	for len(got) == 0 || got[len(got)-1].CommitTS < a.MaxCommitTS() {
		select {
		case b := <-ch:
			got = append(got, b)
		case <-deadline:
			require.FailNow(t, "timeout pulling")
		}
	}
	return got
}

func TestReindexAfterKVLoss(t *testing.T) {
	dir := t.TempDir()
	a := openTest(t, dir, testOptions())
	ts := newTSO()
	var commits []int64
	for i := range 20 {
		_, c := writeTxn(t, a, ts, fmt.Sprint(i))
		commits = append(commits, c)
	}
	closeTest(t, a)
	require.NoError(t, os.RemoveAll(filepath.Join(dir, "kv")))

	a = openTest(t, dir, testOptions())
	defer closeTest(t, a)
	got := receive(t, a.PullCommitBinlog(t.Context(), 0), len(commits))
	for i, b := range got {
		require.Equal(t, commits[i], b.CommitTS)
		require.Equal(t, fmt.Sprint(i), string(unmarshal(t, b.Payload).PrewriteValue))
	}
	require.Equal(t, commits[len(commits)-1], a.MaxCommitTS())
}

func TestReopenContinuesExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	ts := newTSO()
	var commits []int64
	for round := range 3 {
		a := openTest(t, dir, testOptions())
		for range 10 {
			_, c := writeTxn(t, a, ts, "v")
			commits = append(commits, c)
		}
		got := receive(t, a.PullCommitBinlog(t.Context(), 0), len(commits))
		for i := range got {
			require.Equal(t, commits[i], got[i].CommitTS, "round %d", round)
		}
		requireNothing(t, a.PullCommitBinlog(t.Context(), commits[len(commits)-1]))
		closeTest(t, a)
	}
}
