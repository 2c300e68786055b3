package drainer

import (
	"github.com/openbinlog/tidb-binlog/drainer/schema"
	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// schemaAdapter gives *schema.Schema the skip rules of its package as
// methods, making it a schemaTracker.
type schemaAdapter struct{ *schema.Schema }

func (schemaAdapter) SkipJob(job *model.Job) bool {
	return schema.SkipJob(job) || schema.IsDDLSystemTable(job)
}

func (schemaAdapter) IsUnsupportedDDLJob(job *model.Job) bool { return schema.IsUnsupportedDDLJob(job) }

var _ schemaTracker = schemaAdapter{}
