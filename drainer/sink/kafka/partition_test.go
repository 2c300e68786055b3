package kafka

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kfake"
	"go.uber.org/zap/zaptest"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/kafkareader"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

func mutation(id int64, v string) *secondarypb.TableMutation {
	return &secondarypb.TableMutation{Type: secondarypb.MutationType_Insert.Enum(), Row: &secondarypb.Row{
		Columns: []*secondarypb.Column{{Int64Value: proto.Int64(id)}, {StringValue: proto.String(v)}}}}
}

func table(name string, muts ...*secondarypb.TableMutation) *secondarypb.Table {
	return &secondarypb.Table{SchemaName: proto.String("s"), TableName: proto.String(name),
		ColumnInfo: []*secondarypb.ColumnInfo{{Name: proto.String("id")}, {Name: proto.String("v")}},
		UniqueKeys: []*secondarypb.Key{{Name: proto.String("PRIMARY"), ColumnNames: []string{"id"}}},
		Mutations:  muts}
}

// sample is a DML over tables a (keys 0-9, each twice) and b (keys 0-4).
func sample() *secondarypb.Binlog {
	var a, b []*secondarypb.TableMutation
	for round := range 2 {
		for id := range int64(10) {
			a = append(a, mutation(id, fmt.Sprint(round)))
		}
	}
	for id := range int64(5) {
		b = append(b, mutation(id, "b"))
	}
	return &secondarypb.Binlog{Type: secondarypb.BinlogType_DML.Enum(), CommitTs: proto.Int64(99),
		DmlData: &secondarypb.DMLData{Tables: []*secondarypb.Table{table("a", a...), table("b", b...)}}}
}

func decodeParts(t *testing.T, parts [][]byte) []*secondarypb.Binlog {
	var out []*secondarypb.Binlog
	for _, p := range parts {
		b, err := kafkareader.Decode(p)
		require.NoError(t, err)
		require.Equal(t, int64(99), b.GetCommitTs(), "every partition gets the commit ts")
		out = append(out, b)
	}
	return out
}

func TestSplitByTableAndKey(t *testing.T) {
	parts, err := split(sample(), PartitionByTable, 3)
	require.NoError(t, err)
	require.Len(t, parts, 3)
	where := map[string]int{}
	total := 0
	for p, b := range decodeParts(t, parts) {
		for _, tbl := range b.GetDmlData().GetTables() {
			_, seen := where[tbl.GetTableName()]
			require.False(t, seen, "a table is in one partition")
			where[tbl.GetTableName()] = p
			total += len(tbl.GetMutations())
		}
	}
	require.Equal(t, 25, total)

	parts, err = split(sample(), PartitionByKey, 3)
	require.NoError(t, err)
	keyPart := map[string]int{}
	rounds := map[string][]string{}
	total = 0
	for p, b := range decodeParts(t, parts) {
		for _, tbl := range b.GetDmlData().GetTables() {
			for _, m := range tbl.GetMutations() {
				k := fmt.Sprintf("%s/%d", tbl.GetTableName(), m.GetRow().GetColumns()[0].GetInt64Value())
				if q, ok := keyPart[k]; ok {
					require.Equal(t, q, p, "key %s stays in one partition", k)
				}
				keyPart[k] = p
				rounds[k] = append(rounds[k], m.GetRow().GetColumns()[1].GetStringValue())
				total++
			}
		}
	}
	require.Equal(t, 25, total)
	for k, r := range rounds {
		if len(r) == 2 {
			require.Equal(t, []string{"0", "1"}, r, "key %s keeps its order", k)
		}
	}
	used := map[int]bool{}
	for _, p := range keyPart {
		used[p] = true
	}
	require.Len(t, used, 3, "15 keys spread over 3 partitions")

	ddl := &secondarypb.Binlog{Type: secondarypb.BinlogType_DDL.Enum(), CommitTs: proto.Int64(99),
		DdlData: &secondarypb.DDLData{SchemaName: proto.String("s"), TableName: proto.String("a"), DdlQuery: []byte("q")}}
	parts, err = split(ddl, PartitionByKey, 3)
	require.NoError(t, err)
	require.Len(t, parts, 3)
	require.Equal(t, parts[0], parts[2], "a DDL goes whole to every partition")
}

// TestPartitionedTopicMergedByReader: with partition-by key the sink writes
// every partition and the reader merges them back to whole transactions.
func TestPartitionedTopicMergedByReader(t *testing.T) {
	_, tbls, items := loadGolden(t)
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, testTopic))
	require.NoError(t, err)
	defer c.Close()
	cfg := testConfig(c)
	cfg.PartitionBy = PartitionByKey
	s, err := New(cfg, tbls, zaptest.NewLogger(t), nil)
	require.NoError(t, err)
	require.Equal(t, 3, s.parts)
	for _, it := range items {
		require.NoError(t, s.Sync(it))
	}
	require.NoError(t, s.Sync(ddlItem(items[len(items)-1].CommitTS()+1, "DROP TABLE t", false)))
	require.Len(t, collect(t, s, len(items)+1), len(items)+1)
	closeSink(t, s)

	r, err := kafkareader.NewReader(kafkareader.Config{KafkaAddrs: []string{c.ListenAddrs()[0]}, Topic: testTopic})
	require.NoError(t, err)
	defer r.Close()
	for i := range len(items) + 1 {
		select {
		case m := <-r.Messages():
			if i == len(items) {
				require.Equal(t, "DROP TABLE t", string(m.Binlog.GetDdlData().GetDdlQuery()))
				continue
			}
			require.Equal(t, items[i].CommitTS(), m.Binlog.GetCommitTs())
			if items[i].IsDDL() {
				require.NotNil(t, m.Binlog.GetDdlData())
				continue
			}
			txn, err := loader.SecondaryBinlogToTxn(m.Binlog)
			require.NoError(t, err)
			require.Len(t, txn.DMLs, len(items[i].PrewriteValue.GetMutations()[0].GetSequence()))
		case err := <-r.Error():
			t.Fatal(err)
		case <-time.After(30 * time.Second):
			t.Fatalf("merged %d of %d", i, len(items)+1)
		}
	}
}
