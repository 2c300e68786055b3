package kafka

import (
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/openbinlog/tidb-binlog/pkg/kafkareader"
)

// readCommitted returns the commit ts of every committed message of
// partition 0, in order.
func readCommitted(t *testing.T, addr string) []int64 {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_1_0_0
	cfg.Consumer.IsolationLevel = sarama.ReadCommitted
	cons, err := sarama.NewConsumer([]string{addr}, cfg)
	require.NoError(t, err)
	defer func() { require.NoError(t, cons.Close()) }()
	pc, err := cons.ConsumePartition(testTopic, 0, sarama.OffsetOldest)
	require.NoError(t, err)
	defer func() { require.NoError(t, pc.Close()) }()
	var out []int64
	for {
		select {
		case m := <-pc.Messages():
			b, err := kafkareader.Decode(m.Value)
			require.NoError(t, err)
			out = append(out, b.GetCommitTs())
		case <-time.After(2 * time.Second):
			return out
		}
	}
}

// TestExactlyOnceAcrossACrash: a drainer killed with a transaction open
// (emulated by a producer with the sink's transactional id that never
// commits) is fenced by the restarted sink; the replay from an older
// checkpoint neither duplicates nor loses a message.
func TestExactlyOnceAcrossACrash(t *testing.T) {
	c := newCluster(t)
	defer c.Close()
	cfg := testConfig(c)
	cfg.ExactlyOnce = true
	s, err := New(cfg, nil, zaptest.NewLogger(t), nil)
	require.NoError(t, err)
	for ts := int64(1); ts <= 5; ts++ {
		require.NoError(t, s.Sync(ddlItem(ts, fmt.Sprint("q", ts), false)))
	}
	require.Equal(t, []int64{1, 2, 3, 4, 5}, commitTSs(collect(t, s, 5)))
	closeSink(t, s)

	// The "killed" drainer: item 6 produced in a transaction never committed.
	adj := cfg
	require.NoError(t, adj.adjust())
	sc, err := adj.saramaConfig()
	require.NoError(t, err)
	dead, err := sarama.NewAsyncProducer([]string{cfg.Addrs}, sc)
	require.NoError(t, err)
	require.NoError(t, dead.BeginTxn())
	dead.Input() <- &sarama.ProducerMessage{Topic: testTopic, Value: sarama.StringEncoder("half-written")}
	<-dead.Successes()

	s, err = New(cfg, nil, zaptest.NewLogger(t), nil)
	require.NoError(t, err)
	require.Equal(t, int64(5), s.committedTS)
	for ts := int64(3); ts <= 10; ts++ { // the drainer's checkpoint was at 2
		require.NoError(t, s.Sync(ddlItem(ts, fmt.Sprint("q", ts), false)))
	}
	require.Equal(t, []int64{3, 4, 5, 6, 7, 8, 9, 10}, commitTSs(collect(t, s, 8)))
	closeSink(t, s)
	go func() {
		for range dead.Errors() { //nolint:revive // drain: the fenced producer fails
		}
	}()
	_ = dead.Close()

	require.Equal(t, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, readCommitted(t, cfg.Addrs),
		"every commit ts once; the fenced transaction is not visible")

	// The reader seeks past transaction markers and the aborted message.
	for _, from := range []int64{0, 5, 7, 9} {
		r, err := kafkareader.NewReader(kafkareader.Config{KafkaAddrs: []string{cfg.Addrs}, Topic: testTopic, CommitTS: from})
		require.NoError(t, err)
		var got []int64
		for ts := from + 1; ts <= 10; ts++ {
			select {
			case m := <-r.Messages():
				got = append(got, m.Binlog.GetCommitTs())
			case err := <-r.Error():
				t.Fatal(err)
			case <-time.After(30 * time.Second):
				t.Fatalf("from %d: got %v", from, got)
			}
		}
		require.Equal(t, from+1, got[0])
		require.Len(t, got, int(10-from))
		r.Close()
	}
}
