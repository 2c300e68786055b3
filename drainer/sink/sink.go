package sink

import (
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// Item is one binlog on its way to a sink: a DML transaction or a DDL,
// already merged (the commit binlog carries the prewrite's fields) and
// resolved against the schema.
type Item struct {
	// Binlog is the merged binlog: commit_ts, start_ts, ddl_query,
	// ddl_job_id and ddl_schema_state as the pump served them.
	Binlog *binlogpb.Binlog
	// PrewriteValue holds the row mutations of a DML (nil for a DDL).
	PrewriteValue *binlogpb.PrewriteValue
	// Schema and Table name the object of a DDL ("" for a DML).
	Schema string
	Table  string
	// SchemaVersion is the info-schema version the item ran with (a DDL:
	// its job's version).
	SchemaVersion int64
	// ShouldSkip marks a DDL that must not be executed downstream but
	// after which cached table info must be forgotten.
	ShouldSkip bool
	// AppliedTS is set by a `tidb` destination: the downstream TSO read
	// after the item's batch succeeded (0 when not known).
	AppliedTS int64
}

// CommitTS is the item's commit timestamp.
func (it *Item) CommitTS() int64 { return it.Binlog.GetCommitTs() }

// IsDDL reports whether the item is a schema change.
func (it *Item) IsDDL() bool { return it.Binlog.GetDdlJobId() > 0 }

// Sink is a destination of the drainer. Sync hands it one item (it may
// block while the sink's buffers are full); every item handed over comes back
// on Successes, in the order it was handed over, once it is durable
// downstream. A sink that fails reports one error on Error and stops
// reporting successes. Close flushes what it can and releases resources; it
// closes Successes.
type Sink interface {
	Sync(item *Item) error
	Successes() <-chan *Item
	Error() <-chan error
	Close() error
}

// SafeModeSetter is implemented by sinks that support safe mode (MySQL,
// TiDB): INSERT becomes REPLACE, UPDATE becomes DELETE + REPLACE.
type SafeModeSetter interface {
	SetSafeMode(on bool)
}
