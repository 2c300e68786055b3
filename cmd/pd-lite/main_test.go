package main

import (
	"bytes"
	"context"
	"flag"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/security"
	"github.com/stretchr/testify/require"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/testutil"
)

func TestMain(m *testing.M) {
	pd.SetClientLogger(zap.NewNop())
	dir, err := os.MkdirTemp("", "pd-lite-bin")
	if err != nil {
		panic(err)
	}
	binDir = dir
	defer os.RemoveAll(dir)
	goleak.VerifyTestMain(m)
}

// binDir holds the pd-lite binary built by the first test that needs it.
var binDir string

func TestREADMEFlagTableMatchesFlagSet(t *testing.T) {
	fs := flag.NewFlagSet("pd-lite", flag.ContinueOnError)
	addFlags(fs, &options{})
	testutil.RequireFlagTable(t, "README.md", fs, nil)
}

func TestRunVersionAndBadFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"-V"}, &out, &errOut))
	require.NotEmpty(t, strings.TrimSpace(out.String()))

	require.Equal(t, 2, run([]string{"-no-such-flag"}, &out, &errOut))
	require.Contains(t, errOut.String(), "no-such-flag")
	errOut.Reset()
	require.Equal(t, 2, run([]string{"extra"}, &out, &errOut))
	require.Contains(t, errOut.String(), "extra")
	errOut.Reset()
	require.Equal(t, 2, run([]string{"-L", "loud"}, &out, &errOut))
	require.Contains(t, errOut.String(), "loud")
}

// binary builds pd-lite once per test run.
var buildOnce = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binDir, "pd-lite")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", &buildError{out: string(out), err: err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin, err := buildOnce()
	require.NoError(t, err)
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// lockedBuffer is a bytes.Buffer safe for the process writer and the test reader.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type proc struct {
	cmd    *exec.Cmd
	stderr *lockedBuffer
	done   chan struct{} // closed when the process has exited
}

func startProc(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), stderr: &lockedBuffer{}, done: make(chan struct{})}
	p.cmd.Stderr = p.stderr
	require.NoError(t, p.cmd.Start())
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitServing waits for the "serving" line and returns how long the process took to print it.
func (p *proc) waitServing(t *testing.T, since time.Time) time.Duration {
	t.Helper()
	require.Eventually(t, func() bool {
		return strings.Contains(p.stderr.String(), "pd-lite serving at")
	}, 10*time.Second, 5*time.Millisecond, "no serving line")
	return time.Since(since)
}

func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(10 * time.Second):
		t.Fatalf("pd-lite did not exit; stderr:\n%s", p.stderr.String())
		return -1
	}
}

// maxTSO takes n timestamps with 8 goroutines and returns the largest.
func maxTSO(t *testing.T, c *pd.Client, n int) int64 {
	t.Helper()
	var mu sync.Mutex
	var best int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n / 8 {
				ts, err := c.TSO(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				best = max(best, ts)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return best
}

func connect(t *testing.T, url string) *pd.Client {
	t.Helper()
	c, err := pd.NewClient(context.Background(), []string{url}, security.Config{}, nil)
	require.NoError(t, err)
	return c
}

func TestBinaryKill9AndRestart(t *testing.T) {
	bin := binary(t)
	dir := t.TempDir()
	url := "http://" + freeAddr(t)
	args := []string{"-data-dir", dir, "-client-urls", url, "-peer-urls", "http://" + freeAddr(t), "-L", "warn"}

	begin := time.Now()
	p1 := startProc(t, bin, args...)
	t.Logf("serving %v after exec", p1.waitServing(t, begin))
	c1 := connect(t, url)
	first, err := c1.TSO(context.Background())
	require.NoError(t, err)
	before := maxTSO(t, c1, 2000)
	require.Greater(t, before, first)
	id := c1.ClusterID()

	etcd, err := clientv3.New(clientv3.Config{Endpoints: []string{url}, DialTimeout: 5 * time.Second})
	require.NoError(t, err)
	_, err = etcd.Put(context.Background(), "/before-kill", "kept")
	require.NoError(t, err)
	require.NoError(t, etcd.Close())

	require.NoError(t, p1.cmd.Process.Signal(syscall.SIGKILL))
	require.Equal(t, -1, p1.wait(t), "killed by a signal")
	c1.Close()

	begin = time.Now()
	p2 := startProc(t, bin, args...)
	elapsed := p2.waitServing(t, begin)
	t.Logf("serving %v after restart", elapsed)
	require.Less(t, elapsed, 5*time.Second)
	c2 := connect(t, url)
	defer c2.Close()
	after, err := c2.TSO(context.Background())
	require.NoError(t, err)
	require.Equal(t, id, c2.ClusterID())
	require.Greater(t, after, before, "TSO went back across kill -9")

	etcd, err = clientv3.New(clientv3.Config{Endpoints: []string{url}, DialTimeout: 5 * time.Second})
	require.NoError(t, err)
	defer etcd.Close()
	resp, err := etcd.Get(context.Background(), "/before-kill")
	require.NoError(t, err)
	require.Len(t, resp.Kvs, 1)
	require.Equal(t, "kept", string(resp.Kvs[0].Value))

	require.NoError(t, p2.cmd.Process.Signal(syscall.SIGTERM))
	require.Equal(t, 0, p2.wait(t), "graceful exit on SIGTERM; stderr:\n%s", p2.stderr.String())
}

func TestBinaryStartErrors(t *testing.T) {
	bin := binary(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))

	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"taken port":   {[]string{"-data-dir", t.TempDir(), "-client-urls", "http://" + l.Addr().String()}, "address already in use"},
		"bad data dir": {[]string{"-data-dir", filepath.Join(file, "sub"), "-client-urls", "http://127.0.0.1:0"}, "data dir"},
	} {
		t.Run(name, func(t *testing.T) {
			args := append(c.args, "-peer-urls", "http://127.0.0.1:0")
			p := startProc(t, bin, args...)
			require.Equal(t, 1, p.wait(t))
			lines := strings.Split(strings.TrimSpace(p.stderr.String()), "\n")
			last := lines[len(lines)-1]
			require.True(t, strings.HasPrefix(last, "pd-lite: "), last)
			require.Contains(t, last, c.want)
		})
	}
}
