package storage

import (
	"context"

	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// TxnStatus is the outcome of a transaction as seen by a Resolver.
type TxnStatus int

// Transaction outcomes.
const (
	// TxnUnknown: not decided yet (a live lock, or too young); ask again later.
	TxnUnknown TxnStatus = iota
	// TxnCommitted: committed at Resolution.CommitTS; the storage writes a
	// synthetic commit binlog.
	TxnCommitted
	// TxnRolledBack: the prewrite is dropped.
	TxnRolledBack
)

func (s TxnStatus) String() string {
	switch s {
	case TxnCommitted:
		return "committed"
	case TxnRolledBack:
		return "rolledBack"
	default:
		return "unknown"
	}
}

// Resolution answers a Resolver query.
type Resolution struct {
	Status   TxnStatus
	CommitTS int64 // set when Status is TxnCommitted
}

// Resolver finds out what happened to a transaction whose prewrite binlog
// has no commit binlog (TiDB crashed between prewrite and commit).
type Resolver interface {
	Resolve(ctx context.Context, prewrite *binlogpb.Binlog) (Resolution, error)
}
