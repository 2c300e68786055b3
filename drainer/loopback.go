package drainer

import (
	"fmt"
	"strings"
	"time"

	"github.com/openbinlog/tidb-binlog/drainer/sink"
	"github.com/openbinlog/tidb-binlog/drainer/translator"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// loopbackFilter returns the syncer's loopback check (SPEC 5.6 step 4): a
// txn that wrote the mark table `retl._drainer_repl_mark` with channelID
// was applied by a drainer of this channel replicating the other way, and
// is not replicated back.
func loopbackFilter(g translator.TableInfoGetter, channelID int64) func(*sink.Item) (bool, error) {
	markSchema, markTable := loader.MarkTableName()
	return func(item *sink.Item) (bool, error) {
		var marks []*binlogpb.TableMutation
		for _, m := range item.PrewriteValue.GetMutations() {
			s, t, ok := g.SchemaAndTableName(m.GetTableId())
			if ok && strings.EqualFold(s, markSchema) && strings.EqualFold(t, markTable) {
				marks = append(marks, m)
			}
		}
		if len(marks) == 0 {
			return false, nil
		}
		pv := &binlogpb.PrewriteValue{SchemaVersion: item.PrewriteValue.SchemaVersion, Mutations: marks}
		txn, err := translator.TiBinlogToTxn(g, "", "", item.Binlog, pv, false, time.UTC)
		if err != nil {
			return false, fmt.Errorf("decode the loopback mark: %w", err)
		}
		for _, dml := range txn.DMLs {
			if id, ok := asInt64(dml.Values["channel_id"]); ok && id == channelID {
				return true, nil
			}
		}
		return false, nil
	}
}

func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case uint64:
		return int64(x), true
	case int:
		return int64(x), true
	}
	return 0, false
}
