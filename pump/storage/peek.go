package storage

import (
	"errors"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

var errBadBinlog = errors.New("storage: malformed binlog payload")

// peekBinlog reads tp, start_ts and commit_ts of a marshaled Binlog without
// unmarshaling the rest.
func peekBinlog(p []byte) (tp binlogpb.BinlogType, start, commit int64, err error) {
	for len(p) > 0 {
		num, typ, n := protowire.ConsumeTag(p)
		if n < 0 {
			return 0, 0, 0, errBadBinlog
		}
		p = p[n:]
		if typ == protowire.VarintType && num >= 1 && num <= 3 {
			v, m := protowire.ConsumeVarint(p)
			if m < 0 {
				return 0, 0, 0, errBadBinlog
			}
			switch num {
			case 1:
				tp = binlogpb.BinlogType(int32(v))
			case 2:
				start = int64(v)
			case 3:
				commit = int64(v)
			}
			p = p[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, p)
		if m < 0 {
			return 0, 0, 0, errBadBinlog
		}
		p = p[m:]
	}
	return tp, start, commit, nil
}

// indexKey is the ts a binlog is indexed under: a prewrite by its start_ts,
// everything else by its commit_ts.
func indexKey(tp binlogpb.BinlogType, start, commit int64) int64 {
	if tp == binlogpb.BinlogType_Prewrite {
		return start
	}
	return commit
}
