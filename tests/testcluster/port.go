package testcluster

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"sync"
)

// Ports handed to child processes are drawn below the kernel's ephemeral
// range. A port found by binding 127.0.0.1:0 comes from that range, and
// between the moment it is closed here and the moment the child binds it,
// any outgoing connection on the machine (a test's MySQL, HTTP or gRPC
// client) may get it as its source port; the child then fails with
// "address already in use". Outgoing connections never use ports below the
// range, so only another test picking the same random port can collide,
// and each port is handed out once per test process.
const (
	lowestPort         = 10000
	ephemeralRangeFile = "/proc/sys/net/ipv4/ip_local_port_range"
)

var ports = struct {
	sync.Mutex
	given map[int]bool
}{given: map[int]bool{}}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago and
// that this process has not handed out before.
func FreePort() (int, error) {
	hi := ephemeralLow()
	ports.Lock()
	defer ports.Unlock()
	if hi-lowestPort >= 1000 {
		for range 100 {
			port := lowestPort + rand.IntN(hi-lowestPort)
			if ports.given[port] || !bindable(port) {
				continue
			}
			ports.given[port] = true
			return port, nil
		}
	}
	for range 100 { // no room below the ephemeral range: let the kernel pick
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("find free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !ports.given[port] {
			ports.given[port] = true
			return port, nil
		}
	}
	return 0, fmt.Errorf("find free port: every port tried was taken or already handed out")
}

// bindable reports whether 127.0.0.1:port can be listened on now.
func bindable(port int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// ephemeralLow is the first port of the kernel's ephemeral range (32768
// when the range cannot be read), read once.
var ephemeralLow = sync.OnceValue(func() int {
	b, err := os.ReadFile(ephemeralRangeFile)
	if err != nil {
		return 32768
	}
	var lo, hi int
	if _, err := fmt.Sscan(string(b), &lo, &hi); err != nil || lo <= 0 {
		return 32768
	}
	return lo
})
