package kafkareader

import (
	"testing"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"
)

func newProbeReader(t *testing.T, addr string) *Reader {
	t.Helper()
	sc, err := saramaConfig(Config{})
	require.NoError(t, err)
	client, err := sarama.NewClient([]string{addr}, sc)
	require.NoError(t, err)
	r := &Reader{cfg: Config{Topic: topic}, client: client, stop: make(chan struct{})}
	r.consumer, err = sarama.NewConsumerFromClient(client)
	require.NoError(t, err)
	r.lg = zaptest.NewLogger(t)
	t.Cleanup(r.closeClients)
	return r
}

// TestProbeFetch: a plain topic is probed with one Fetch request.
func TestProbeFetch(t *testing.T) {
	c := newCluster(t)
	defer c.Close()
	addr := c.ListenAddrs()[0]
	produce(t, addr, ddl(10), ddl(20), ddl(30))
	produce(t, addr, ddl(40), []byte("not a binlog"))
	r := newProbeReader(t, addr)
	for _, tc := range []struct{ offset, end, at, ts int64 }{{0, 5, 0, 10}, {2, 5, 2, 30}, {3, 5, 3, 40}, {3, 3, -1, 0}} {
		at, ts, ok, err := r.probeFetch(0, tc.offset, tc.end)
		require.NoError(t, err)
		require.True(t, ok, "offset %d", tc.offset)
		require.Equal(t, [2]int64{tc.at, tc.ts}, [2]int64{at, ts}, "offset %d", tc.offset)
	}
	_, _, _, err := r.probeFetch(0, 4, 5)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	require.Equal(t, int64(4), de.Offset)
}

// TestProbeFetchLeavesTransactionsToTheConsumer: a transactional batch is
// not probed by fetch (aborted records and markers are the consumer's to
// read); the search still finds the start.
func TestProbeFetchLeavesTransactionsToTheConsumer(t *testing.T) {
	c := newCluster(t)
	defer c.Close()
	addr := c.ListenAddrs()[0]
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V0_11_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	cfg.Producer.Idempotent = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Producer.Transaction.ID = "probe-test"
	cfg.Net.MaxOpenRequests = 1
	p, err := sarama.NewSyncProducer([]string{addr}, cfg)
	require.NoError(t, err)
	for _, ts := range []int64{10, 20, 30} {
		require.NoError(t, p.BeginTxn())
		_, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Value: sarama.ByteEncoder(ddl(ts))})
		require.NoError(t, err)
		require.NoError(t, p.CommitTxn())
	}
	require.NoError(t, p.Close())
	r := newProbeReader(t, addr)
	_, _, ok, err := r.probeFetch(0, 0, 6)
	require.NoError(t, err)
	require.False(t, ok)
	off, err := r.seek(0, 15)
	require.NoError(t, err)
	at, ts, err := r.probe(0, off, 6)
	require.NoError(t, err)
	require.Equal(t, int64(20), ts, "offset %d", at)
}
