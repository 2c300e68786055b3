package arbiter

import (
	"fmt"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

// TestPartitionedTopic: a topic written with partition-by (every commit ts
// on every partition, the rows spread by key) is applied whole.
func TestPartitionedTopic(t *testing.T) {
	e := newEnv(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topic))
	require.NoError(t, err)
	defer c.Close()
	e.addr = c.ListenAddrs()[0]
	_, err = e.db.Exec(fmt.Sprintf("CREATE DATABASE `%s`", e.dbName))
	require.NoError(t, err)
	_, err = e.db.Exec(fmt.Sprintf("CREATE TABLE `%s`.t(id INT PRIMARY KEY, v VARCHAR(32))", e.dbName))
	require.NoError(t, err)

	cfg := sarama.NewConfig()
	cfg.Version = sarama.V0_11_0_0
	cfg.Producer.Return.Successes = true
	cfg.Producer.Partitioner = sarama.NewManualPartitioner
	p, err := sarama.NewSyncProducer([]string{e.addr}, cfg)
	require.NoError(t, err)
	want := map[int64]string{}
	for i := int64(0); i < 30; i++ {
		ts := e.next()
		for part := int32(0); part < 3; part++ {
			var muts []*secondarypb.TableMutation
			if i%3 == int64(part) {
				muts = append(muts, insert(i, fmt.Sprint("v", i)))
				want[i] = fmt.Sprint("v", i)
			}
			if i > 0 && (i-1)%3 == int64(part) {
				muts = append(muts, update(i-1, fmt.Sprint("v", i-1), "updated"))
				want[i-1] = "updated"
			}
			var value []byte
			if len(muts) > 0 {
				value = e.dml(ts, muts...)
			} else {
				value = marshal(t, &secondarypb.Binlog{Type: secondarypb.BinlogType_DML.Enum(), CommitTs: proto.Int64(ts),
					DmlData: &secondarypb.DMLData{}})
			}
			_, _, err := p.SendMessage(&sarama.ProducerMessage{Topic: topic, Partition: part, Value: sarama.ByteEncoder(value)})
			require.NoError(t, err)
		}
	}
	require.NoError(t, p.Close())

	a, stop := e.start(e.config(), e.deps())
	require.Eventually(t, func() bool { return a.FinishTS() == e.ts }, 60*time.Second, 20*time.Millisecond)
	require.NoError(t, stop())
	require.Equal(t, want, e.rows())
}
