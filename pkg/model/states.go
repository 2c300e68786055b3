package model

import (
	"fmt"
	"strings"
)

// CIStr is a case-insensitive identifier: O is the original spelling, L its
// lower-case form used for comparisons.
type CIStr struct {
	O string `json:"O"`
	L string `json:"L"`
}

// NewCIStr returns the CIStr of s.
func NewCIStr(s string) CIStr { return CIStr{O: s, L: strings.ToLower(s)} }

// String returns the original spelling.
func (c CIStr) String() string { return c.O }

// SchemaState is the state of a schema object during an online DDL change.
type SchemaState byte

// Schema states, in TiDB's numbering.
const (
	StateNone                 SchemaState = 0
	StateDeleteOnly           SchemaState = 1
	StateWriteOnly            SchemaState = 2
	StateWriteReorganization  SchemaState = 3
	StateDeleteReorganization SchemaState = 4
	StatePublic               SchemaState = 5
	StateReplicaOnly          SchemaState = 6
	StateGlobalTxnOnly        SchemaState = 7
)

var schemaStateNames = [...]string{
	StateNone:                 "none",
	StateDeleteOnly:           "delete only",
	StateWriteOnly:            "write only",
	StateWriteReorganization:  "write reorganization",
	StateDeleteReorganization: "delete reorganization",
	StatePublic:               "public",
	StateReplicaOnly:          "replica only",
	StateGlobalTxnOnly:        "global txn only",
}

// String returns TiDB's name of the state.
func (s SchemaState) String() string {
	if int(s) < len(schemaStateNames) {
		return schemaStateNames[s]
	}
	return "none"
}

// JobState is the state of a DDL job.
type JobState byte

// Job states, in TiDB's numbering. Jobs in the history are Synced (or
// Cancelled/RollbackDone for failed ones).
const (
	JobStateNone         JobState = 0
	JobStateRunning      JobState = 1
	JobStateRollingback  JobState = 2
	JobStateRollbackDone JobState = 3
	JobStateDone         JobState = 4
	JobStateCancelled    JobState = 5
	JobStateSynced       JobState = 6
	JobStateCancelling   JobState = 7
	JobStateQueueing     JobState = 8
	JobStatePaused       JobState = 9
	JobStatePausing      JobState = 10
)

var jobStateNames = [...]string{
	JobStateNone:         "none",
	JobStateRunning:      "running",
	JobStateRollingback:  "rollingback",
	JobStateRollbackDone: "rollback done",
	JobStateDone:         "done",
	JobStateCancelled:    "cancelled",
	JobStateSynced:       "synced",
	JobStateCancelling:   "cancelling",
	JobStateQueueing:     "queueing",
	JobStatePaused:       "paused",
	JobStatePausing:      "pausing",
}

// String returns TiDB's name of the state.
func (s JobState) String() string {
	if int(s) < len(jobStateNames) {
		return jobStateNames[s]
	}
	return "none"
}

// ActionType is the kind of a DDL job.
type ActionType byte

// DDL action types, in TiDB's numbering (66 was never used).
const (
	ActionNone                          ActionType = 0
	ActionCreateSchema                  ActionType = 1
	ActionDropSchema                    ActionType = 2
	ActionCreateTable                   ActionType = 3
	ActionDropTable                     ActionType = 4
	ActionAddColumn                     ActionType = 5
	ActionDropColumn                    ActionType = 6
	ActionAddIndex                      ActionType = 7
	ActionDropIndex                     ActionType = 8
	ActionAddForeignKey                 ActionType = 9
	ActionDropForeignKey                ActionType = 10
	ActionTruncateTable                 ActionType = 11
	ActionModifyColumn                  ActionType = 12
	ActionRebaseAutoID                  ActionType = 13
	ActionRenameTable                   ActionType = 14
	ActionSetDefaultValue               ActionType = 15
	ActionShardRowID                    ActionType = 16
	ActionModifyTableComment            ActionType = 17
	ActionRenameIndex                   ActionType = 18
	ActionAddTablePartition             ActionType = 19
	ActionDropTablePartition            ActionType = 20
	ActionCreateView                    ActionType = 21
	ActionModifyTableCharsetAndCollate  ActionType = 22
	ActionTruncateTablePartition        ActionType = 23
	ActionDropView                      ActionType = 24
	ActionRecoverTable                  ActionType = 25
	ActionModifySchemaCharsetAndCollate ActionType = 26
	ActionLockTable                     ActionType = 27
	ActionUnlockTable                   ActionType = 28
	ActionRepairTable                   ActionType = 29
	ActionSetTiFlashReplica             ActionType = 30
	ActionUpdateTiFlashReplicaStatus    ActionType = 31
	ActionAddPrimaryKey                 ActionType = 32
	ActionDropPrimaryKey                ActionType = 33
	ActionCreateSequence                ActionType = 34
	ActionAlterSequence                 ActionType = 35
	ActionDropSequence                  ActionType = 36
	ActionAddColumns                    ActionType = 37 // deprecated since TiDB 6.2
	ActionDropColumns                   ActionType = 38 // deprecated since TiDB 6.2
	ActionModifyTableAutoIDCache        ActionType = 39
	ActionRebaseAutoRandomBase          ActionType = 40
	ActionAlterIndexVisibility          ActionType = 41
	ActionExchangeTablePartition        ActionType = 42
	ActionAddCheckConstraint            ActionType = 43
	ActionDropCheckConstraint           ActionType = 44
	ActionAlterCheckConstraint          ActionType = 45
	ActionAlterTableAlterPartition      ActionType = 46 // removed from TiDB, kept for old histories
	ActionRenameTables                  ActionType = 47
	ActionDropIndexes                   ActionType = 48 // deprecated since TiDB 6.2
	ActionAlterTableAttributes          ActionType = 49
	ActionAlterTablePartitionAttributes ActionType = 50
	ActionCreatePlacementPolicy         ActionType = 51
	ActionAlterPlacementPolicy          ActionType = 52
	ActionDropPlacementPolicy           ActionType = 53
	ActionAlterTablePartitionPlacement  ActionType = 54
	ActionModifySchemaDefaultPlacement  ActionType = 55
	ActionAlterTablePlacement           ActionType = 56
	ActionAlterCacheTable               ActionType = 57
	ActionAlterTableStatsOptions        ActionType = 58
	ActionAlterNoCacheTable             ActionType = 59
	ActionCreateTables                  ActionType = 60
	ActionMultiSchemaChange             ActionType = 61
	ActionFlashbackCluster              ActionType = 62
	ActionRecoverSchema                 ActionType = 63
	ActionReorganizePartition           ActionType = 64
	ActionAlterTTLInfo                  ActionType = 65
	ActionAlterTTLRemove                ActionType = 67
	ActionCreateResourceGroup           ActionType = 68
	ActionAlterResourceGroup            ActionType = 69
	ActionDropResourceGroup             ActionType = 70
	ActionAlterTablePartitioning        ActionType = 71
	ActionRemovePartitioning            ActionType = 72
)

var actionNames = map[ActionType]string{
	ActionCreateSchema:                  "create schema",
	ActionDropSchema:                    "drop schema",
	ActionCreateTable:                   "create table",
	ActionDropTable:                     "drop table",
	ActionAddColumn:                     "add column",
	ActionDropColumn:                    "drop column",
	ActionAddIndex:                      "add index",
	ActionDropIndex:                     "drop index",
	ActionAddForeignKey:                 "add foreign key",
	ActionDropForeignKey:                "drop foreign key",
	ActionTruncateTable:                 "truncate table",
	ActionModifyColumn:                  "modify column",
	ActionRebaseAutoID:                  "rebase auto_increment ID",
	ActionRenameTable:                   "rename table",
	ActionSetDefaultValue:               "set default value",
	ActionShardRowID:                    "shard row ID",
	ActionModifyTableComment:            "modify table comment",
	ActionRenameIndex:                   "rename index",
	ActionAddTablePartition:             "add partition",
	ActionDropTablePartition:            "drop partition",
	ActionCreateView:                    "create view",
	ActionModifyTableCharsetAndCollate:  "modify table charset and collate",
	ActionTruncateTablePartition:        "truncate partition",
	ActionDropView:                      "drop view",
	ActionRecoverTable:                  "recover table",
	ActionModifySchemaCharsetAndCollate: "modify schema charset and collate",
	ActionLockTable:                     "lock table",
	ActionUnlockTable:                   "unlock table",
	ActionRepairTable:                   "repair table",
	ActionSetTiFlashReplica:             "set tiflash replica",
	ActionUpdateTiFlashReplicaStatus:    "update tiflash replica status",
	ActionAddPrimaryKey:                 "add primary key",
	ActionDropPrimaryKey:                "drop primary key",
	ActionCreateSequence:                "create sequence",
	ActionAlterSequence:                 "alter sequence",
	ActionDropSequence:                  "drop sequence",
	ActionAddColumns:                    "add multi-columns",
	ActionDropColumns:                   "drop multi-columns",
	ActionModifyTableAutoIDCache:        "modify auto id cache",
	ActionRebaseAutoRandomBase:          "rebase auto_random ID",
	ActionAlterIndexVisibility:          "alter index visibility",
	ActionExchangeTablePartition:        "exchange partition",
	ActionAddCheckConstraint:            "add check constraint",
	ActionDropCheckConstraint:           "drop check constraint",
	ActionAlterCheckConstraint:          "alter check constraint",
	ActionAlterTableAlterPartition:      "alter partition",
	ActionRenameTables:                  "rename tables",
	ActionDropIndexes:                   "drop multi-indexes",
	ActionAlterTableAttributes:          "alter table attributes",
	ActionAlterTablePartitionAttributes: "alter table partition attributes",
	ActionCreatePlacementPolicy:         "create placement policy",
	ActionAlterPlacementPolicy:          "alter placement policy",
	ActionDropPlacementPolicy:           "drop placement policy",
	ActionAlterTablePartitionPlacement:  "alter table partition placement",
	ActionModifySchemaDefaultPlacement:  "modify schema default placement",
	ActionAlterTablePlacement:           "alter table placement",
	ActionAlterCacheTable:               "alter table cache",
	ActionAlterTableStatsOptions:        "alter table statistics options",
	ActionAlterNoCacheTable:             "alter table nocache",
	ActionCreateTables:                  "create tables",
	ActionMultiSchemaChange:             "alter table multi-schema change",
	ActionFlashbackCluster:              "flashback cluster",
	ActionRecoverSchema:                 "flashback schema",
	ActionReorganizePartition:           "alter table reorganize partition",
	ActionAlterTTLInfo:                  "alter table ttl",
	ActionAlterTTLRemove:                "alter table no_ttl",
	ActionCreateResourceGroup:           "create resource group",
	ActionAlterResourceGroup:            "alter resource group",
	ActionDropResourceGroup:             "drop resource group",
	ActionAlterTablePartitioning:        "alter table partition by",
	ActionRemovePartitioning:            "alter table remove partitioning",
}

// String returns TiDB's name of the action ("none" when unknown).
func (a ActionType) String() string {
	if s, ok := actionNames[a]; ok {
		return s
	}
	return "none"
}

// GoString is used by %#v.
func (a ActionType) GoString() string { return fmt.Sprintf("ActionType(%d)", byte(a)) }
