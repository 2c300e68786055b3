package arbiter

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// brokerEnv set to 1 makes the test binary a kfake broker (see
// runChildBroker): the benchmark's broker in a process of its own, as in a
// deployment, so that its CPU and garbage are not the arbiter's.
const brokerEnv = "ARBITER_BENCH_KFAKE_CHILD"

// benchBroker is the benchmark's Kafka: in this process or a child.
type benchBroker struct {
	addr    string
	cluster *kfake.Cluster // in-process
	cmd     *exec.Cmd      // child process
	stdin   io.Closer
}

func startBroker(child bool) (*benchBroker, error) {
	if !child {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
		if err != nil {
			return nil, err
		}
		return &benchBroker{addr: c.ListenAddrs()[0], cluster: c}, nil
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), brokerEnv+"=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = in.Close()
		_ = cmd.Wait()
		return nil, fmt.Errorf("child broker: %w", err)
	}
	return &benchBroker{addr: strings.TrimSpace(line), cmd: cmd, stdin: in}, nil
}

// cpu is the child broker's CPU time so far (0 in process).
func (b *benchBroker) cpu() time.Duration {
	if b.cmd == nil {
		return 0
	}
	return procCPU(b.cmd.Process.Pid)
}

func (b *benchBroker) close() {
	if b.cluster != nil {
		b.cluster.Close()
		return
	}
	_ = b.stdin.Close() // the child exits at EOF
	_ = b.cmd.Wait()
}

// runChildBroker serves one topic until stdin is closed.
func runChildBroker() {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	if err != nil {
		fmt.Fprintln(os.Stderr, "kfake:", err)
		os.Exit(1)
	}
	fmt.Println(c.ListenAddrs()[0])
	_, _ = io.Copy(io.Discard, os.Stdin)
	c.Close()
	os.Exit(0)
}

// procCPU reads utime+stime of a process from /proc (0 if unreadable).
func procCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses: state is
	// field 3, utime 14 and stime 15.
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(u+s) * time.Second / ticks
}

// selfCPU is this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
