package kafka

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"
)

// TestGoldenMessagesMatchOriginal: the messages equal the original
// drainer's Kafka-sink bytes and successes come back in send order.
func TestGoldenMessagesMatchOriginal(t *testing.T) {
	g, tbls, items := loadGolden(t)
	c := newCluster(t)
	defer c.Close()
	s, err := New(testConfig(c), tbls, zaptest.NewLogger(t), nil)
	require.NoError(t, err)
	for _, it := range items {
		require.NoError(t, s.Sync(it))
	}
	require.Equal(t, items, collect(t, s, len(items)))
	closeSink(t, s)
	msgs := readTopic(t, c.ListenAddrs()[0], len(items))
	for i, m := range msgs {
		require.Equal(t, g.Items[i].KafkaHex, hex.EncodeToString(m.Value), "message %d", i)
		require.Nil(t, m.Key)
		require.EqualValues(t, 0, m.Partition)
	}
}

func TestReplayAndSkippedDDLNotReported(t *testing.T) {
	c := newCluster(t)
	defer c.Close()
	s, err := New(testConfig(c), nil, zaptest.NewLogger(t), nil)
	require.NoError(t, err)
	require.NoError(t, s.Sync(ddlItem(10, "a", false)))
	require.NoError(t, s.Sync(ddlItem(20, "b", false)))
	require.NoError(t, s.Sync(ddlItem(15, "replayed", false)))
	require.NoError(t, s.Sync(ddlItem(25, "skipped", true)))
	require.NoError(t, s.Sync(ddlItem(30, "c", false)))
	require.Equal(t, []int64{10, 20, 25, 30}, commitTSs(collect(t, s, 4)))
	closeSink(t, s)
	msgs := readTopic(t, c.ListenAddrs()[0], 4)
	require.Len(t, msgs, 4, "the replay is produced, the skipped DDL is not")
	require.ErrorIs(t, s.Sync(ddlItem(40, "late", false)), ErrClosed)
}
