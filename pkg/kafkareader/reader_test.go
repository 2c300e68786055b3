package kafkareader

import (
	"errors"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap/zaptest"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

const topic = "9_obinlog"

func newCluster(t testing.TB) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	require.NoError(t, err)
	return c
}

// produce writes raw values to partition 0.
func produce(t testing.TB, addr string, values ...[]byte) {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V0_11_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewSyncProducer([]string{addr}, cfg)
	require.NoError(t, err)
	defer func() { require.NoError(t, p.Close()) }()
	for _, v := range values {
		_, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: 0, Value: sarama.ByteEncoder(v)})
		require.NoError(t, err)
	}
}

func ddl(ts int64) []byte {
	b, err := proto.Marshal(&secondarypb.Binlog{Type: secondarypb.BinlogType_DDL.Enum(), CommitTs: proto.Int64(ts),
		DdlData: &secondarypb.DDLData{SchemaName: proto.String("s"), TableName: proto.String("t"), DdlQuery: []byte("q")}})
	if err != nil {
		panic(err)
	}
	return b
}

func receive(t testing.TB, r *Reader, n int) []*Message {
	t.Helper()
	var out []*Message
	timeout := time.After(30 * time.Second)
	for len(out) < n {
		select {
		case m := <-r.Messages():
			out = append(out, m)
		case err := <-r.Error():
			t.Fatalf("reader failed: %v", err)
		case <-timeout:
			t.Fatalf("received %d of %d", len(out), n)
		}
	}
	return out
}

func tss(ms []*Message) []int64 {
	var out []int64
	for _, m := range ms {
		out = append(out, m.Binlog.GetCommitTs())
	}
	return out
}

// TestReaderSeeksCommitTSAndDropsDuplicates: the reader starts after the
// commit ts (binary search), skips replays and decodes golden messages.
func TestReaderSeeksCommitTSAndDropsDuplicates(t *testing.T) {
	c := newCluster(t)
	defer c.Close()
	addr := c.ListenAddrs()[0]
	var vals [][]byte
	for ts := int64(10); ts <= 200; ts += 10 {
		vals = append(vals, ddl(ts))
		if ts == 100 {
			vals = append(vals, ddl(90), ddl(100)) // a drainer restart replays
		}
	}
	produce(t, addr, vals...)

	for _, tc := range []struct {
		from  int64
		first int64
	}{{0, 10}, {5, 10}, {10, 20}, {95, 100}, {100, 110}, {190, 200}} {
		r, err := NewReader(Config{KafkaAddrs: []string{addr}, Topic: topic, CommitTS: tc.from, Logger: zaptest.NewLogger(t)})
		require.NoError(t, err)
		n := int((200-tc.first)/10 + 1)
		got := receive(t, r, n)
		require.Equal(t, tc.first, got[0].Binlog.GetCommitTs(), "from %d", tc.from)
		for i := 1; i < len(got); i++ {
			require.Equal(t, got[i-1].Binlog.GetCommitTs()+10, got[i].Binlog.GetCommitTs())
		}
		r.Close()
	}

	r, err := NewReader(Config{KafkaAddrs: []string{addr}, Topic: topic, CommitTS: 200})
	require.NoError(t, err)
	produce(t, addr, ddl(210))
	require.Equal(t, []int64{210}, tss(receive(t, r, 1)), "past the end: waits for new messages")
	r.Close()
}

func TestReaderGoldenMessages(t *testing.T) {
	g := loadGolden(t)
	c := newCluster(t)
	defer c.Close()
	addr := c.ListenAddrs()[0]
	var vals [][]byte
	var want []int64
	for _, d := range g.DML {
		vals = append(vals, mustHex(t, d.KafkaHex))
		want = append(want, d.CommitTS)
	}
	produce(t, addr, vals...)
	r, err := NewReader(Config{KafkaAddrs: []string{addr}, ClusterID: "9"})
	require.NoError(t, err)
	defer r.Close()
	got := receive(t, r, len(vals))
	require.Equal(t, want, tss(got))
	require.Equal(t, int64(0), got[0].Offset)
	require.Equal(t, len(vals[0]), got[0].Size)
}

func TestReaderStopsAtForeignMessage(t *testing.T) {
	c := newCluster(t)
	defer c.Close()
	addr := c.ListenAddrs()[0]
	produce(t, addr, ddl(10), []byte("hello, not a binlog"), ddl(30))
	r, err := NewReader(Config{KafkaAddrs: []string{addr}, Topic: topic})
	require.NoError(t, err)
	defer r.Close()
	require.Equal(t, []int64{10}, tss(receive(t, r, 1)))
	select {
	case err := <-r.Error():
		var de *DecodeError
		require.True(t, errors.As(err, &de), "%v", err)
		require.Equal(t, DecodeError{Topic: topic, Partition: 0, Offset: 1, Err: de.Err}, *de)
		require.ErrorIs(t, err, ErrNotBinlog)
		require.Contains(t, err.Error(), "partition 0 offset 1")
	case <-time.After(30 * time.Second):
		t.Fatal("no error")
	}
}

func TestNewReaderErrors(t *testing.T) {
	_, err := NewReader(Config{})
	require.Error(t, err)
	_, err = NewReader(Config{KafkaAddrs: []string{"127.0.0.1:1"}})
	require.ErrorContains(t, err, "cluster id")
	_, err = NewReader(Config{KafkaAddrs: []string{"127.0.0.1:1"}, Topic: "x", Version: "bad"})
	require.ErrorContains(t, err, "kafka version")
}

func FuzzDecode(f *testing.F) {
	f.Add(ddl(1))
	f.Add([]byte("hello"))
	f.Add([]byte{0x08, 0x00, 0x10, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Decode(data)
		if err != nil {
			require.ErrorIs(t, err, ErrNotBinlog)
			return
		}
		if _, err := loader.SecondaryBinlogToTxn(b); err != nil {
			require.ErrorIs(t, err, loader.ErrBadSecondaryBinlog)
		}
	})
}
