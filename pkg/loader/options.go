package loader

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// SyncMode says how much of a row the downstream is expected to hold.
type SyncMode int

// The sync modes (values as in the original loader).
const (
	// FullColumn: the downstream table has every upstream column; an
	// unknown column is a permanent error.
	FullColumn SyncMode = 1
	// PartialColumn: the downstream table may lack some upstream columns;
	// they are left out of the statements, and an unknown-column error
	// refreshes the table info and retries.
	PartialColumn SyncMode = 2
)

// Destination types.
const (
	DestMySQL = "mysql"
	DestTiDB  = "tidb"
)

// LoopbackOptions turns on loopback control: every downstream transaction
// first bumps a row of the mark table `retl._drainer_repl_mark` so that a
// drainer replicating the other way can recognise (and drop) it.
type LoopbackOptions struct {
	// ChannelID identifies this replication channel in the mark table.
	ChannelID int64
	// ChannelInfo is stored beside the channel id (at most 64 characters).
	ChannelInfo string
}

// Options configure a Loader.
type Options struct {
	// WorkerCount is the number of downstream connections applying DMLs.
	WorkerCount int
	// BatchSize is the number of DMLs one downstream transaction holds.
	BatchSize int
	// DestType is "mysql" or "tidb" ("tidb" reads AppliedTS).
	DestType string
	// SafeMode starts the loader in safe mode (see SetSafeMode).
	SafeMode bool
	// Merge merges the DMLs of a batch per primary key and applies them
	// as bulk DELETE and REPLACE statements.
	Merge bool
	// EnableDispatch spreads DMLs over the workers; when off every txn
	// is applied alone, in one downstream transaction.
	EnableDispatch bool
	// EnableCausality keeps DMLs that touch the same unique key on the same
	// worker, in order. When off DMLs are spread by their first key only.
	EnableCausality bool
	// SyncMode is FullColumn or PartialColumn.
	SyncMode SyncMode
	// Loopback is nil when loopback control is off.
	Loopback *LoopbackOptions
	// MaxBytes bounds the bytes of the transactions accepted but not yet
	// reported (the input and every worker queue). 0 means 256 MiB.
	MaxBytes int64
	// Logger is used for progress and errors (nil: no logging).
	Logger *zap.Logger
	// Registerer receives the loader's metrics (nil: not registered).
	Registerer prometheus.Registerer
}

// DefaultMaxBytes is the memory budget used when Options.MaxBytes is 0.
const DefaultMaxBytes = 256 << 20

// DefaultOptions are the original loader's defaults: 16 workers, batch 20,
// dispatch and causality on, full-column mode, a mysql destination.
func DefaultOptions() Options {
	return Options{
		WorkerCount:     16,
		BatchSize:       20,
		DestType:        DestMySQL,
		EnableDispatch:  true,
		EnableCausality: true,
		SyncMode:        FullColumn,
		MaxBytes:        DefaultMaxBytes,
	}
}

// adjust fills zero values with defaults and checks the rest.
func (o *Options) adjust() error {
	if o.WorkerCount <= 0 {
		o.WorkerCount = 16
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 20
	}
	if o.DestType == "" {
		o.DestType = DestMySQL
	}
	if o.DestType != DestMySQL && o.DestType != DestTiDB {
		return fmt.Errorf("%w: destination type %q (want mysql or tidb)", ErrInvalidOptions, o.DestType)
	}
	if o.SyncMode == 0 {
		o.SyncMode = FullColumn
	}
	if o.SyncMode != FullColumn && o.SyncMode != PartialColumn {
		return fmt.Errorf("%w: sync mode %d", ErrInvalidOptions, o.SyncMode)
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Logger == nil {
		o.Logger = zap.NewNop()
	}
	if o.Loopback != nil && len(o.Loopback.ChannelInfo) > 64 {
		return fmt.Errorf("%w: loopback channel info longer than 64 characters", ErrInvalidOptions)
	}
	return nil
}
