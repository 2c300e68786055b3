package storage

import (
	"errors"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

var errBadBinlog = errors.New("storage: malformed binlog payload")

// Field numbers of binlog.Binlog (proto/binlogpb/binlog.proto).
const (
	fieldTp             protowire.Number = 1
	fieldStartTs        protowire.Number = 2
	fieldCommitTs       protowire.Number = 3
	fieldPrewriteKey    protowire.Number = 4
	fieldPrewriteValue  protowire.Number = 5
	fieldDdlQuery       protowire.Number = 6
	fieldDdlJobID       protowire.Number = 7
	fieldDdlSchemaState protowire.Number = 8
)

// PeekBinlog decodes only the type, start_ts and commit_ts of a marshaled
// Binlog and returns them as a Binlog with just those fields set. It
// accepts exactly the payloads proto.Unmarshal accepts and gives the same
// GetTp, GetStartTs and GetCommitTs, without copying the prewrite value.
func PeekBinlog(payload []byte) (*binlogpb.Binlog, error) {
	tp, start, commit, err := peekBinlog(payload)
	if err != nil {
		return nil, err
	}
	return &binlogpb.Binlog{Tp: tp.Enum(), StartTs: &start, CommitTs: &commit}, nil
}

// peekBinlog reads tp, start_ts and commit_ts of a marshaled Binlog without
// unmarshaling the rest. As with proto.Unmarshal, the last occurrence of a
// field wins, a field with an unexpected wire type is an unknown field, and
// an enum number BinlogType does not define is kept (Go treats every enum
// as open).
func peekBinlog(p []byte) (tp binlogpb.BinlogType, start, commit int64, err error) {
	for len(p) > 0 {
		num, typ, n := consumeTag(p)
		if n < 0 {
			return 0, 0, 0, errBadBinlog
		}
		p = p[n:]
		if typ == protowire.VarintType && num >= fieldTp && num <= fieldCommitTs {
			v, m := protowire.ConsumeVarint(p)
			if m < 0 {
				return 0, 0, 0, errBadBinlog
			}
			switch num {
			case fieldTp:
				tp = binlogpb.BinlogType(int32(v))
			case fieldStartTs:
				start = int64(v)
			case fieldCommitTs:
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

// consumeTag is protowire.ConsumeTag that, like proto.Unmarshal, also
// rejects field numbers above the maximum.
func consumeTag(p []byte) (protowire.Number, protowire.Type, int) {
	num, typ, n := protowire.ConsumeTag(p)
	if n >= 0 && num > protowire.MaxValidNumber {
		return 0, 0, -1
	}
	return num, typ, n
}

// indexKey is the ts a binlog is indexed under: a prewrite by its start_ts,
// everything else by its commit_ts.
func indexKey(tp binlogpb.BinlogType, start, commit int64) int64 {
	if tp == binlogpb.BinlogType_Prewrite {
		return start
	}
	return commit
}
