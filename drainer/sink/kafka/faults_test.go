package kafka

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/zap/zaptest"
)

// holdProduce makes every produce request wait until release is closed.
func holdProduce(c *kfake.Cluster, release <-chan struct{}) {
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		c.SleepControl(func() { <-release })
		return nil, nil, false
	})
}

func TestStallOverPendingBytes(t *testing.T) {
	c := newCluster(t)
	defer c.Close()
	release := make(chan struct{})
	holdProduce(c, release)
	cfg := testConfig(c)
	cfg.MaxPendingBytes = 1000
	s, err := New(cfg, nil, zaptest.NewLogger(t), nil)
	require.NoError(t, err)
	require.NoError(t, s.Sync(ddlItem(10, strings.Repeat("a", 600), false)), "one message never stalls")
	var returned atomic.Bool
	done := make(chan error, 1)
	go func() {
		done <- s.Sync(ddlItem(20, strings.Repeat("b", 600), false))
		returned.Store(true)
	}()
	require.Never(t, returned.Load, 300*time.Millisecond, 20*time.Millisecond, "over 1000 bytes pending: Sync stalls")
	close(release)
	require.NoError(t, <-done)
	require.Equal(t, []int64{10, 20}, commitTSs(collect(t, s, 2)))
	closeSink(t, s)
}

func TestNoAckFails(t *testing.T) {
	c := newCluster(t)
	defer c.Close()
	release := make(chan struct{})
	holdProduce(c, release)
	cfg := testConfig(c)
	cfg.AckTimeout = 300 * time.Millisecond
	s, err := New(cfg, nil, zaptest.NewLogger(t), nil)
	require.NoError(t, err)
	require.NoError(t, s.Sync(ddlItem(42, "q", false)))
	select {
	case err := <-s.Error():
		require.ErrorIs(t, err, ErrAckTimeout)
		require.Contains(t, err.Error(), "commit ts 42")
	case <-time.After(20 * time.Second):
		t.Fatal("no failure")
	}
	require.ErrorIs(t, s.Sync(ddlItem(43, "q", false)), ErrAckTimeout, "a failed sink refuses items")
	close(release)
	go func() {
		for range s.Successes() { //nolint:revive // drain
		}
	}()
	require.ErrorIs(t, s.Close(), ErrAckTimeout)
	<-s.done
}

func TestMessageOverMaxMessageSize(t *testing.T) {
	c := newCluster(t)
	defer c.Close()
	cfg := testConfig(c)
	cfg.MaxMessageSize = 1 << 20
	s, err := New(cfg, nil, zaptest.NewLogger(t), nil)
	require.NoError(t, err)
	err = s.Sync(ddlItem(4242, strings.Repeat("x", 2<<20), false))
	require.ErrorIs(t, err, ErrMessageTooLarge)
	require.Contains(t, err.Error(), "commit ts 4242")
	closeSink(t, s)
}

func TestMessageRefusedByBroker(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, testTopic),
		kfake.BrokerConfigs(map[string]string{"message.max.bytes": strconv.Itoa(1 << 20)}))
	require.NoError(t, err)
	defer c.Close()
	s, err := New(testConfig(c), nil, zaptest.NewLogger(t), nil)
	require.NoError(t, err)
	require.NoError(t, s.Sync(ddlItem(77, strings.Repeat("x", 2<<20), false)))
	select {
	case err := <-s.Error():
		require.ErrorIs(t, err, ErrMessageTooLarge)
		require.Contains(t, err.Error(), "commit ts 77")
	case <-time.After(30 * time.Second):
		t.Fatal("no failure")
	}
	go func() {
		for range s.Successes() { //nolint:revive // drain
		}
	}()
	require.ErrorIs(t, s.Close(), ErrMessageTooLarge)
}

func TestBigMessages(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MiB message")
	}
	c := newCluster(t)
	defer c.Close()
	s, err := New(testConfig(c), nil, zaptest.NewLogger(t), nil)
	require.NoError(t, err)
	sizes := []int{1 << 20, 100 << 20, 10}
	for i, n := range sizes {
		require.NoError(t, s.Sync(ddlItem(int64(i+1), strings.Repeat(string(rune('a'+i)), n), false)))
	}
	require.Equal(t, []int64{1, 2, 3}, commitTSs(collect(t, s, 3)))
	closeSink(t, s)
	msgs := readTopic(t, c.ListenAddrs()[0], 3)
	for i, m := range msgs {
		require.Greater(t, len(m.Value), sizes[i], "message %d", i)
		require.Less(t, len(m.Value), sizes[i]+64, "message %d", i)
	}
}

func TestBrokerRestartMidStream(t *testing.T) {
	dir := t.TempDir()
	c := newCluster(t, kfake.DataDir(dir))
	addr := c.ListenAddrs()[0]
	_, portStr, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	port, err := strconv.Atoi(portStr)
	require.NoError(t, err)
	s, err := New(testConfig(c), nil, zaptest.NewLogger(t), nil)
	require.NoError(t, err)
	const n = 40
	for i := 1; i <= n/2; i++ {
		require.NoError(t, s.Sync(ddlItem(int64(i), fmt.Sprint("q", i), false)))
	}
	got := collect(t, s, n/2)
	c.Close()
	for i := n/2 + 1; i <= n; i++ {
		require.NoError(t, s.Sync(ddlItem(int64(i), fmt.Sprint("q", i), false)))
	}
	c2, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.DataDir(dir),
		kfake.BrokerConfigs(map[string]string{"message.max.bytes": "209715200"}))
	require.NoError(t, err)
	defer c2.Close()
	got = append(got, collect(t, s, n/2)...)
	want := make([]int64, n)
	for i := range want {
		want[i] = int64(i + 1)
	}
	require.Equal(t, want, commitTSs(got))
	closeSink(t, s)
	// Every message is on the topic, in order; a resent batch may repeat.
	msgs := readTopicDistinct(t, addr, n)
	seen := map[string]bool{}
	var order []string
	for _, m := range msgs {
		k := string(m.Value)
		if !seen[k] {
			seen[k] = true
			order = append(order, k)
		}
	}
	require.Len(t, order, n)
}

func TestConfigErrors(t *testing.T) {
	_, err := New(Config{ZKAddrs: "127.0.0.1:2181"}, nil, nil, nil)
	require.ErrorIs(t, err, ErrInvalidConfig)
	require.Contains(t, err.Error(), "zookeeper-addrs")
	_, err = New(Config{Version: "x.y"}, nil, nil, nil)
	require.ErrorIs(t, err, ErrInvalidConfig)
	_, err = New(Config{MaxMessageSize: 2 << 30}, nil, nil, nil)
	require.ErrorIs(t, err, ErrInvalidConfig)
	require.Equal(t, "6820869587396412345_obinlog", DefaultTopic(6820869587396412345))
	require.False(t, errors.Is(err, ErrClosed))
}
