package drainer

import (
	"context"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// schemaTracker is what the syncer uses of drainer/schema.Schema: the table
// names of ids, the pending DDL jobs applied in version order, and the
// rules about which jobs to skip (SPEC 5.5, 5.6).
type schemaTracker interface {
	SchemaAndTableName(id int64) (schema, table string, ok bool)
	AddJob(job *model.Job)
	HandlePreviousDDLJobIfNeed(version int64) error
	GetSchemaTableAndDelete(version int64) (schema, table string, err error)
	IsTruncateTableID(id int64) bool
	SkipJob(job *model.Job) bool
	IsUnsupportedDDLJob(job *model.Job) bool
}

// jobSource fetches a DDL job by id (drainer/schema.History): it retries
// and waits while no TiDB answers, until ctx ends.
type jobSource interface {
	Job(ctx context.Context, id int64) (*model.Job, error)
}

// checkpointSaver is the part of drainer/checkpoint.CheckPoint the syncer
// writes.
type checkpointSaver interface {
	Save(ts, secondaryTS int64, consistent bool, version int64) error
	TS() int64
	SchemaVersion() int64
}

// tableFilter decides which schemas and tables are replicated
// (ignore-schemas, ignore-table, replicate-do-db, replicate-do-table).
type tableFilter interface {
	SkipSchemaAndTable(schema, table string) bool
}

// eventFilter applies the binlog-filter rules to row events and DDLs.
type eventFilter interface {
	SkipDML(schema, table string, tp loader.DMLType) bool
	SkipDDL(schema, table, query string) bool
}
