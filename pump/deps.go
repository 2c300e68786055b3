package pump

import (
	"context"

	"github.com/openbinlog/tidb-binlog/pkg/pd"
	"github.com/openbinlog/tidb-binlog/pkg/registry"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
	"github.com/openbinlog/tidb-binlog/pump/storage"
)

// binlogStore is the part of the storage engine that takes and serves binlogs.
type binlogStore interface {
	WriteBinlog(ctx context.Context, h binlogpb.Header, payload []byte) error
	PullCommitBinlogFunc(ctx context.Context, last int64, send func(storage.PulledBinlog) error) error
	ReadBinlog(ts int64) (*binlogpb.Binlog, error)
	ReadPayload(ts int64) ([]byte, error)
	Close() error
}

// watermark is the progress and retention side of the storage engine.
type watermark interface {
	MaxCommitTS() int64
	AllMatched() bool
	GCTS() int64
	GC(ts int64)
}

// engine is everything the server uses of the storage engine.
type engine interface {
	binlogStore
	watermark
}

var _ engine = (*storage.Append)(nil)

// tsoSource hands out PD timestamps.
type tsoSource interface {
	TSO(ctx context.Context) (int64, error)
}

// tsoFunc adapts a function to tsoSource.
type tsoFunc func(ctx context.Context) (int64, error)

// TSO calls f.
func (f tsoFunc) TSO(ctx context.Context) (int64, error) { return f(ctx) }

// pdClient is the PD connection: cluster ID and timestamps.
type pdClient interface {
	tsoSource
	ClusterID() uint64
	Close()
}

var _ pdClient = (*pd.Client)(nil)

// nodeRegistry reads and writes node statuses in etcd.
type nodeRegistry interface {
	Node(ctx context.Context, kind, nodeID string) (*registry.Status, error)
	Nodes(ctx context.Context, kind string) ([]*registry.Status, int64, error)
	UpdateNode(ctx context.Context, kind string, st *registry.Status) error
}

var _ nodeRegistry = (*registry.Registry)(nil)
