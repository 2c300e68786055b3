package kafka

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/openbinlog/tidb-binlog/drainer/translator/translatortest"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

const testTopic = "7_obinlog"

type goldenItem struct {
	Kind      string `json:"kind"`
	BinlogHex string `json:"prewrite_binlog_hex"`
	KafkaHex  string `json:"kafka_hex"`
	CommitTS  int64  `json:"commit_ts"`
	Schema    string `json:"schema"`
	Table     string `json:"table"`
}

type golden struct {
	Items   []goldenItem `json:"items"`
	JobMeta string       `json:"t_all_job_meta"`
}

// tables is a TableInfoGetter knowing the tables it was given.
type tables = translatortest.Tables

func loadGolden(t testing.TB) (*golden, *tables, []*sink.Item) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "golden.json"))
	require.NoError(t, err)
	var g golden
	require.NoError(t, json.Unmarshal(raw, &g))
	var job model.Job
	require.NoError(t, json.Unmarshal([]byte(g.JobMeta), &job))
	tbls := translatortest.FromJob(&job)
	var items []*sink.Item
	for _, gi := range g.Items {
		data, err := hex.DecodeString(gi.BinlogHex)
		require.NoError(t, err)
		var b binlogpb.Binlog
		require.NoError(t, proto.Unmarshal(data, &b))
		b.CommitTs = proto.Int64(gi.CommitTS)
		it := &sink.Item{Binlog: &b, Schema: gi.Schema, Table: gi.Table}
		if gi.Kind == "dml" {
			var pv binlogpb.PrewriteValue
			require.NoError(t, proto.Unmarshal(b.PrewriteValue, &pv))
			it.PrewriteValue = &pv
			it.SchemaVersion = pv.GetSchemaVersion()
		}
		items = append(items, it)
	}
	return &g, tbls, items
}

// ddlItem is a DDL item whose query is query (any size).
func ddlItem(commitTS int64, query string, skip bool) *sink.Item {
	return &sink.Item{
		Binlog: &binlogpb.Binlog{StartTs: proto.Int64(commitTS - 1), CommitTs: proto.Int64(commitTS),
			DdlJobId: proto.Int64(commitTS), DdlQuery: []byte(query)},
		Schema: "db", Table: "t", ShouldSkip: skip,
	}
}

// newCluster starts kfake with the test topic and a 200 MiB message limit.
func newCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	base := []kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(1, testTopic),
		kfake.BrokerConfigs(map[string]string{"message.max.bytes": "209715200"})}
	c, err := kfake.NewCluster(append(base, opts...)...)
	require.NoError(t, err)
	return c
}

func testConfig(c *kfake.Cluster) Config {
	return Config{Addrs: c.ListenAddrs()[0], ClusterID: 7, Location: time.UTC}
}

// collect drains n successes.
func collect(t testing.TB, s *Sink, n int) []*sink.Item {
	t.Helper()
	var got []*sink.Item
	timeout := time.After(60 * time.Second)
	for len(got) < n {
		select {
		case it := <-s.Successes():
			got = append(got, it)
		case err := <-s.Error():
			t.Fatalf("sink failed: %v", err)
		case <-timeout:
			t.Fatalf("%d of %d successes", len(got), n)
		}
	}
	return got
}

// closeSink closes s and drains Successes until it is closed.
func closeSink(t testing.TB, s *Sink) {
	t.Helper()
	go func() {
		for range s.Successes() { //nolint:revive // drain
		}
	}()
	require.NoError(t, s.Close())
}

// readTopic reads n messages of partition 0 from the start.
func readTopic(t testing.TB, addr string, n int) []*sarama.ConsumerMessage {
	t.Helper()
	return readTopicUntil(t, addr, fmt.Sprintf("%d messages", n),
		func(out []*sarama.ConsumerMessage) bool { return len(out) >= n })
}

// readTopicDistinct reads the topic from the start until it has seen n
// distinct message values (a batch resent after a broker restart repeats
// some) and returns every message read.
func readTopicDistinct(t testing.TB, addr string, n int) []*sarama.ConsumerMessage {
	t.Helper()
	seen := map[string]bool{}
	return readTopicUntil(t, addr, fmt.Sprintf("%d distinct messages", n), func(out []*sarama.ConsumerMessage) bool {
		seen[string(out[len(out)-1].Value)] = true
		return len(seen) >= n
	})
}

// readTopicUntil reads partition 0 of the test topic from the oldest offset
// until done says so (it is called after each message), for at most 60 s.
func readTopicUntil(t testing.TB, addr, what string, done func([]*sarama.ConsumerMessage) bool) []*sarama.ConsumerMessage {
	t.Helper()
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V2_1_0_0
	cfg.Consumer.Fetch.Default = 128 << 20
	cons, err := sarama.NewConsumer([]string{addr}, cfg)
	require.NoError(t, err)
	defer func() { require.NoError(t, cons.Close()) }()
	pc, err := cons.ConsumePartition(testTopic, 0, sarama.OffsetOldest)
	require.NoError(t, err)
	defer func() { require.NoError(t, pc.Close()) }()
	var out []*sarama.ConsumerMessage
	timeout := time.After(60 * time.Second)
	for len(out) == 0 || !done(out) {
		select {
		case m := <-pc.Messages():
			out = append(out, m)
		case <-timeout:
			t.Fatalf("read %d messages without reaching %s", len(out), what)
		}
	}
	return out
}
