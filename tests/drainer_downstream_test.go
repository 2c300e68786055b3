//go:build integration

package tests

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDrainerDownstreamConnectionsKilled kills every MariaDB connection of
// the drainer (as a MariaDB restart does) several times while rows are
// written; the drainer reconnects and the downstream converges.
func TestDrainerDownstreamConnectionsKilled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "[syncer]\n")
	db := "drainer_test_down_" + randomSuffix()
	c.dropDownstream(t, db)
	c.exec(ctx, t, "CREATE DATABASE "+db, "CREATE TABLE "+db+".t (id INT PRIMARY KEY, n INT)")

	var stop atomic.Bool
	var wg sync.WaitGroup
	var writes atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			q := fmt.Sprintf("INSERT INTO %s.t VALUES (%d, 1) ON DUPLICATE KEY UPDATE n = n + 1", db, i%200)
			if _, err := c.up.ExecContext(ctx, q); err == nil {
				writes.Add(1)
			}
		}
	}()
	for round := 1; round <= 3; round++ {
		target := int64(round * 150)
		require.Eventually(t, func() bool { return writes.Load() > target }, 60*time.Second, 20*time.Millisecond)
		killed := killConnectionsOf(ctx, t, c, c.drainer.Pid())
		t.Logf("round %d: killed %d downstream connections of the drainer", round, killed)
	}
	stop.Store(true)
	wg.Wait()
	c.requireSameRows(ctx, t, "SELECT id, n FROM "+db+".t ORDER BY id", 90*time.Second)
	require.True(t, c.drainer.Running(), "the drainer must survive lost connections")
}

// killConnectionsOf kills the MariaDB connections whose client port is a
// TCP socket of process pid.
func killConnectionsOf(ctx context.Context, t *testing.T, c *drainerCluster, pid int) int {
	t.Helper()
	ports := localPorts(t, pid)
	killed := 0
	for _, r := range queryRows(ctx, t, c.down, "SELECT id, host FROM information_schema.processlist") {
		_, port, ok := strings.Cut(r[1], ":")
		if ok && ports[port] {
			if _, err := c.down.ExecContext(ctx, "KILL CONNECTION "+r[0]); err == nil {
				killed++
			}
		}
	}
	return killed
}

// localPorts returns the local TCP ports of the sockets process pid holds.
func localPorts(t *testing.T, pid int) map[string]bool {
	t.Helper()
	inodes := map[string]bool{}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	require.NoError(t, err)
	for _, fd := range fds {
		link, err := os.Readlink(filepath.Join(fmt.Sprintf("/proc/%d/fd", pid), fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	ports := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) < 10 || !inodes[fields[9]] {
				continue
			}
			_, hexPort, _ := strings.Cut(fields[1], ":")
			if p, err := strconv.ParseUint(hexPort, 16, 16); err == nil {
				ports[strconv.FormatUint(p, 10)] = true
			}
		}
	}
	return ports
}
