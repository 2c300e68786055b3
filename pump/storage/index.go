package storage

import "github.com/openbinlog/tidb-binlog/proto/binlogpb"

// indexKey is the ts a binlog is indexed under: a prewrite by its start_ts,
// everything else by its commit_ts.
func indexKey(h binlogpb.Header) int64 {
	if h.Tp == binlogpb.BinlogType_Prewrite {
		return h.StartTs
	}
	return h.CommitTs
}
