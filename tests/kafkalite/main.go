package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "kafka-lite:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("kafka-lite", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9092", "loopback host:port to listen on (port 0: any free port)")
	topics := fs.String("topics", "", "comma-separated topics to create at start")
	partitions := fs.Int("partitions", 1, "partitions of each created topic")
	if err := fs.Parse(args); err != nil {
		return err
	}
	port, err := loopbackPort(*addr)
	if err != nil {
		return err
	}
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.Ports(port), kfake.AllowAutoTopicCreation()}
	if names := splitList(*topics); len(names) > 0 {
		opts = append(opts, kfake.SeedTopics(int32(*partitions), names...))
	}
	// Signals are caught before the cluster listens, so that a SIGTERM
	// right after the ready line still closes it cleanly.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return fmt.Errorf("start the broker on %s: %w", *addr, err)
	}
	fmt.Printf("kafka-lite ready on %s (topics: %s)\n", strings.Join(c.ListenAddrs(), ","), *topics)
	s := <-sig
	fmt.Printf("kafka-lite: %v, stopping\n", s)
	c.Close()
	return nil
}

// loopbackPort checks that addr is a loopback host:port (kfake listens on
// 127.0.0.1 only) and returns the port.
func loopbackPort(addr string) (int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, fmt.Errorf("bad -addr %q: %w", addr, err)
	}
	if host != "127.0.0.1" && host != "localhost" {
		return 0, errors.New("bad -addr " + addr + ": the broker listens on 127.0.0.1 only")
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return 0, fmt.Errorf("bad -addr %q: port %q", addr, p)
	}
	return port, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
