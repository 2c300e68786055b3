package loader

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchTable is loaderbench's table: id BIGINT PRIMARY KEY, k, c, pad.
func benchTable() *tableInfo {
	return newTableInfo([]string{"id", "k", "c", "pad"}, nil, []indexInfo{{name: "PRIMARY", columns: []string{"id"}}})
}

// benchBatch is one merge-mode batch of loaderbench's update phase: 960
// updates of random rows of 200,000.
func benchBatch(r *rand.Rand, tp DMLType) []*DML {
	out := make([]*DML, 960)
	row := func(id int64) map[string]any {
		return map[string]any{"id": id, "k": int64(r.IntN(200000)), "c": fmt.Sprintf("%0119d", r.Int64()), "pad": fmt.Sprintf("%059d", r.Int64())}
	}
	for i := range out {
		id := int64(r.IntN(200000) + 1)
		d := &DML{Database: "db", Table: "t", Tp: tp, Values: row(id)}
		if tp == UpdateDMLType {
			d.OldValues = row(id)
		}
		out[i] = d
	}
	return out
}

// BenchmarkMergeBatch measures the loader's own CPU per row in merge mode
// (resolve, merge, causality, statement text): what it takes from the
// cores the downstream server runs on when both share a machine.
func BenchmarkMergeBatch(b *testing.B) {
	for _, tp := range []DMLType{InsertDMLType, UpdateDMLType, DeleteDMLType} {
		b.Run(tp.String(), func(b *testing.B) {
			info := benchTable()
			dmls := benchBatch(rand.New(rand.NewPCG(1, 2)), tp)
			txn := &Txn{}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				rows := make([]*rowChange, len(dmls))
				for i, d := range dmls {
					rows[i] = newRowChange(txn, d, info, FullColumn)
				}
				disp := newDispatcher(16, true, newProgress(16))
				for _, g := range mergeGroups(rows) {
					var keys []string
					for _, rc := range g {
						_ = keyHash(rc.causalityKeys()[0], 4)
						keys = append(keys, rc.causalityKeys()...)
					}
					if _, _, err := disp.assignGroup(context.Background(), keys, len(g), 0); err != nil {
						b.Fatal(err)
					}
					_ = packStatements(buildStatements(g, false))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(dmls)), "ns/row")
		})
	}
}
