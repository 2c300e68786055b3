package schema

import "github.com/openbinlog/tidb-binlog/pkg/model"

// MaxGlobalID is the largest id TiDB allocates to schemas and tables; the
// ids above it are reserved for TiDB's own DDL system tables (meta.MaxGlobalID).
const MaxGlobalID = 0x0000FFFFFFFFFFFF - 1000

// SkipJob reports whether a DDL job must not be applied: a job that is not
// done or synced (cancelled, rolled back), or a failed DDL (schema version 0).
// The DeleteOnly binlog of a DROP COLUMN (see JobForBinlog) is kept whatever
// its state.
func SkipJob(job *model.Job) bool {
	if job == nil || job.SchemaVersion() == 0 {
		return true
	}
	if IsDeleteOnlyDropColumn(job) {
		return false
	}
	return !job.IsDone() && !job.IsSynced()
}

// IsDDLSystemTable reports whether the job works on one of TiDB's DDL system
// tables (table id above MaxGlobalID), which are never replicated.
func IsDDLSystemTable(job *model.Job) bool { return job != nil && job.TableID > MaxGlobalID }

// IsDeleteOnlyDropColumn reports whether the job stands for the DeleteOnly
// DDL binlog of a DROP COLUMN (the syncer does not replicate it).
func IsDeleteOnlyDropColumn(job *model.Job) bool {
	return job != nil && job.SchemaState == model.StateDeleteOnly && isDropColumn(job.Type)
}

func isDropColumn(tp model.ActionType) bool {
	return tp == model.ActionDropColumn || tp == model.ActionDropColumns
}

// JobForBinlog applies the collector's DeleteOnly rule (SPEC 5.5): for a DDL
// binlog written in the DeleteOnly state (ddl_schema_state 1) of a DROP
// COLUMN it returns a copy of the history job with SchemaState DeleteOnly;
// otherwise it returns job itself. The history job is never modified.
func JobForBinlog(job *model.Job, ddlSchemaState int32) *model.Job {
	if job == nil || ddlSchemaState != int32(model.StateDeleteOnly) || !isDropColumn(job.Type) {
		return job
	}
	c := *job
	c.SchemaState = model.StateDeleteOnly
	return &c
}

// IsUnsupportedDDLJob reports whether the drainer skips the job instead of
// applying and replicating it: TiFlash replica status, lock/unlock table,
// cache/nocache, attributes, placement policies, resource groups, flashback
// (cluster and database), and any type this package does not know.
func IsUnsupportedDDLJob(job *model.Job) bool {
	if job == nil {
		return true
	}
	switch job.Type {
	case model.ActionUpdateTiFlashReplicaStatus,
		model.ActionLockTable, model.ActionUnlockTable,
		model.ActionAlterCacheTable, model.ActionAlterNoCacheTable,
		model.ActionAlterTableAttributes, model.ActionAlterTablePartitionAttributes,
		model.ActionCreatePlacementPolicy, model.ActionAlterPlacementPolicy, model.ActionDropPlacementPolicy,
		model.ActionAlterTablePartitionPlacement, model.ActionModifySchemaDefaultPlacement,
		model.ActionAlterTablePlacement,
		model.ActionCreateResourceGroup, model.ActionAlterResourceGroup, model.ActionDropResourceGroup,
		model.ActionFlashbackCluster, model.ActionRecoverSchema:
		return true
	}
	return !isKnownAction(job.Type)
}

// isKnownAction reports whether tp is a job type this package handles,
// explicitly or by replacing the table info.
func isKnownAction(tp model.ActionType) bool {
	if tp == model.ActionNone || tp == 66 {
		return false
	}
	return tp <= model.ActionRemovePartitioning
}
