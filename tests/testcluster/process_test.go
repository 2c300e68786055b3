package testcluster

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestFreePortBelowEphemeralRangeAndNeverTwice(t *testing.T) {
	low := ephemeralLow()
	seen := map[int]bool{}
	for range 200 {
		port, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if seen[port] {
			t.Fatalf("port %d handed out twice", port)
		}
		seen[port] = true
		if low-lowestPort >= 1000 && (port < lowestPort || port >= low) {
			t.Fatalf("port %d is outside [%d, %d): an outgoing connection may take it", port, lowestPort, low)
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Fatalf("port %d cannot be bound: %v", port, err)
		}
		l.Close()
	}
}

// A daemon that cannot start exits; the wait ends then, with its output,
// instead of at the ready timeout.
func TestWaitReadyEndsWhenTheProcessExits(t *testing.T) {
	p := &Process{Name: "failing", Bin: "/bin/sh", Dir: t.TempDir(),
		Args: []string{"-c", "echo 'listen tcp: bind: address already in use' >&2; exit 1"}}
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	err = p.WaitReady(ctx, "http://127.0.0.1:"+strconv.Itoa(port)+"/status", 10*time.Minute)
	if !errors.Is(err, ErrExited) {
		t.Fatalf("got %v, want ErrExited", err)
	}
	if !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("the error does not carry the process output: %v", err)
	}
}
