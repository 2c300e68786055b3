package binlogfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

const crashChildEnv = "BINLOGFILE_CRASH_CHILD_DIR"

// crashChild writes numbered frames with fsync on, printing each number
// once WriteTail returned, until it is killed.
func crashChild(dir string) {
	b, err := OpenBinlogger(dir, Options{MaxFileSize: 64 << 10, SyncEveryWrite: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		if err := b.WriteTail(crashPayload(i)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		fmt.Fprintln(out, i)
		_ = out.Flush()
	}
}

func crashPayload(i int) []byte { return payloadN(i, 100+(i*397)%5000) }

// TestKillDuringWrites kills (SIGKILL) a process writing with fsync on:
// every frame it acknowledged is read back in order, the torn tail is cut
// when the directory is reopened, and writing continues after it.
func TestKillDuringWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	for round := range 3 {
		dir := t.TempDir()
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		acked := -1
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			acked, err = strconv.Atoi(sc.Text())
			require.NoError(t, err)
			if acked >= 200+round*150 {
				break
			}
		}
		require.NoError(t, cmd.Process.Kill())
		_ = cmd.Wait()
		require.GreaterOrEqual(t, acked, 200)

		b, err := OpenBinlogger(dir, Options{MaxFileSize: 64 << 10})
		require.NoError(t, err)
		require.NoError(t, b.WriteTail([]byte("after the crash")))
		require.NoError(t, b.Close())

		got := readDir(t, dir)
		require.Equal(t, []byte("after the crash"), got[len(got)-1])
		got = got[:len(got)-1]
		require.Greater(t, len(got), acked, "an acknowledged frame is missing")
		for i, p := range got {
			require.Equal(t, crashPayload(i), p, "frame %d", i)
		}
	}
}

// readDir reads every file of dir in order and fails on any damage,
// including a torn tail.
func readDir(t *testing.T, dir string) [][]byte {
	t.Helper()
	files, err := ReadDir(dir)
	require.NoError(t, err)
	var out [][]byte
	for _, f := range files {
		r := NewReader(f, 0, nil)
		for {
			p, _, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err)
			out = append(out, p)
		}
		require.Nil(t, r.TornTail(), f)
		require.NoError(t, r.Close())
	}
	return out
}
