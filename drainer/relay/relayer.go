package relay

import (
	"fmt"
	"sync"

	"github.com/openbinlog/tidb-binlog/pkg/binlogfile"
	"github.com/openbinlog/tidb-binlog/proto/secondarypb"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

// DefaultMaxFileSize is the size at which the relay log starts a new file
// ([syncer.relay] max-file-size).
const DefaultMaxFileSize = 10 << 20

// Options of a Relayer.
type Options struct {
	// MaxFileSize of a relay file (DefaultMaxFileSize when 0).
	MaxFileSize int64
	// SyncEveryWrite fsyncs each binlog before WriteBinlog returns;
	// otherwise Sync, rotation and Close do.
	SyncEveryWrite bool
	Logger         *zap.Logger           // nil: no logs
	Registerer     prometheus.Registerer // binlogfile metrics; nil: not registered
}

// Relayer appends binlogs to the relay directory. Safe for concurrent use.
type Relayer struct {
	lg *zap.Logger

	mu sync.Mutex
	bl *binlogfile.Binlogger
}

// NewRelayer opens (creating and locking) the relay directory dir.
func NewRelayer(dir string, opts Options) (*Relayer, error) {
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	lg := opts.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	bl, err := binlogfile.OpenBinlogger(dir, binlogfile.Options{
		MaxFileSize:    opts.MaxFileSize,
		SyncEveryWrite: opts.SyncEveryWrite,
		Logger:         lg,
		Registerer:     opts.Registerer,
	})
	if err != nil {
		return nil, fmt.Errorf("relay: open %s: %w", dir, err)
	}
	return &Relayer{lg: lg.With(zap.String("component", "relay")), bl: bl}, nil
}

// WriteBinlog appends b and returns the position just after it.
func (r *Relayer) WriteBinlog(b *secondarypb.Binlog) (binlogfile.Pos, error) {
	payload, err := proto.Marshal(b)
	if err != nil {
		return binlogfile.Pos{}, fmt.Errorf("relay: marshal binlog %d: %w", b.GetCommitTs(), err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.bl.WriteTail(payload); err != nil {
		return binlogfile.Pos{}, fmt.Errorf("relay: write binlog %d: %w", b.GetCommitTs(), err)
	}
	return r.bl.Pos(), nil
}

// Sync fsyncs what was written.
func (r *Relayer) Sync() error {
	if err := r.bl.Sync(); err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	return nil
}

// GCBinlog removes the files before the one of pos: everything up to pos
// is applied downstream. Failures are logged (the next call retries).
func (r *Relayer) GCBinlog(pos binlogfile.Pos) {
	removed, err := r.bl.GCBefore(pos.Index)
	if err != nil {
		r.lg.Warn("remove relay files", zap.Error(err))
	}
	if len(removed) > 0 {
		r.lg.Info("relay files removed", zap.Strings("files", removed))
	}
}

// Close fsyncs and closes the relay log.
func (r *Relayer) Close() error {
	if err := r.bl.Close(); err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	return nil
}
