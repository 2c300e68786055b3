package kafka

import (
	"fmt"
	"hash/crc32"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
)

// Partitioning modes (partition-by).
const (
	PartitionByNone  = ""      // everything to partition 0 (the original)
	PartitionByTable = "table" // the mutations of a table to one partition
	PartitionByKey   = "key"   // the mutations of a primary key to one partition
)

// split divides a binlog over n partitions: a DDL goes whole to every
// partition; a DML's mutations go to the partition of their table or key,
// and every partition gets a message for the commit ts (an empty DML when
// none of its mutations fell there), so that a reader can merge the
// partitions back transaction by transaction.
func split(b *secondarypb.Binlog, by string, n int) ([][]byte, error) {
	out := make([][]byte, n)
	if b.GetType() == secondarypb.BinlogType_DDL || n == 1 || by == PartitionByNone {
		data, err := proto.Marshal(b)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i] = data
		}
		if by == PartitionByNone || n == 1 {
			return out[:1], nil
		}
		return out, nil
	}
	parts := make([]*secondarypb.Binlog, n)
	for i := range parts {
		parts[i] = &secondarypb.Binlog{Type: b.Type, CommitTs: b.CommitTs, DmlData: &secondarypb.DMLData{}}
	}
	for _, t := range b.GetDmlData().GetTables() {
		byPart := map[int]*secondarypb.Table{}
		var order []int
		for _, m := range t.GetMutations() {
			p := partitionOf(t, m, by, n)
			pt, ok := byPart[p]
			if !ok {
				pt = &secondarypb.Table{SchemaName: t.SchemaName, TableName: t.TableName, ColumnInfo: t.ColumnInfo, UniqueKeys: t.UniqueKeys}
				byPart[p] = pt
				order = append(order, p)
			}
			pt.Mutations = append(pt.Mutations, m)
		}
		for _, p := range order {
			parts[p].DmlData.Tables = append(parts[p].DmlData.Tables, byPart[p])
		}
	}
	for i, pb := range parts {
		data, err := proto.Marshal(pb)
		if err != nil {
			return nil, fmt.Errorf("partition %d: %w", i, err)
		}
		out[i] = data
	}
	return out, nil
}

// partitionOf hashes the table name, plus for "key" the values of the
// first unique key (PRIMARY when there is one) in the mutation's row.
func partitionOf(t *secondarypb.Table, m *secondarypb.TableMutation, by string, n int) int {
	var sb strings.Builder
	sb.WriteString(t.GetSchemaName())
	sb.WriteByte('.')
	sb.WriteString(t.GetTableName())
	if by == PartitionByKey {
		writeKey(&sb, t, m.GetRow())
	}
	return int(crc32.ChecksumIEEE([]byte(sb.String())) % uint32(n))
}

// writeKey appends the row's key column values (every column when the
// table has no unique key).
func writeKey(sb *strings.Builder, t *secondarypb.Table, row *secondarypb.Row) {
	cols := row.GetColumns()
	idx := map[string]int{}
	for i, ci := range t.GetColumnInfo() {
		idx[ci.GetName()] = i
	}
	var names []string
	if keys := t.GetUniqueKeys(); len(keys) > 0 {
		names = keys[0].GetColumnNames()
	} else {
		for _, ci := range t.GetColumnInfo() {
			names = append(names, ci.GetName())
		}
	}
	for _, name := range names {
		i, ok := idx[name]
		if !ok || i >= len(cols) {
			continue
		}
		b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(cols[i])
		sb.WriteByte(0)
		sb.Write(b)
	}
}
