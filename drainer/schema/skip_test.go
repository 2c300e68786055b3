package schema

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

func TestSkipJob(t *testing.T) {
	synced := tableJob(1, model.ActionAddColumn, 10, 20, 5, nil)
	require.False(t, SkipJob(synced))
	done := *synced
	done.State = model.JobStateDone
	require.False(t, SkipJob(&done))
	for _, st := range []model.JobState{model.JobStateCancelled, model.JobStateRollbackDone, model.JobStateRunning, model.JobStateNone} {
		j := *synced
		j.State = st
		require.True(t, SkipJob(&j), st.String())
	}
	failed := *synced
	failed.BinlogInfo = &model.HistoryInfo{}
	require.True(t, SkipJob(&failed), "schema version 0 is a failed DDL")
	noInfo := *synced
	noInfo.BinlogInfo = nil
	require.True(t, SkipJob(&noInfo))
	require.True(t, SkipJob(nil))

	// the DeleteOnly binlog of a DROP COLUMN is kept whatever the job's state
	dc := tableJob(2, model.ActionDropColumn, 10, 20, 6, nil)
	dc.State = model.JobStateRunning
	require.True(t, SkipJob(dc))
	require.False(t, SkipJob(JobForBinlog(dc, int32(model.StateDeleteOnly))))
}

func TestJobForBinlog(t *testing.T) {
	dc := tableJob(1, model.ActionDropColumn, 10, 20, 6, nil)
	dc.SchemaState = model.StateNone
	del := JobForBinlog(dc, int32(model.StateDeleteOnly))
	require.NotSame(t, dc, del)
	require.Equal(t, model.StateDeleteOnly, del.SchemaState)
	require.Equal(t, model.StateNone, dc.SchemaState, "the history job is not modified")
	require.True(t, IsDeleteOnlyDropColumn(del))
	require.False(t, IsDeleteOnlyDropColumn(dc))
	require.Same(t, dc, JobForBinlog(dc, int32(model.StateNone)))
	add := tableJob(2, model.ActionAddColumn, 10, 20, 7, nil)
	require.Same(t, add, JobForBinlog(add, int32(model.StateDeleteOnly)), "only DROP COLUMN has a DeleteOnly binlog")
	require.Nil(t, JobForBinlog(nil, 1))
}

func TestIsDDLSystemTable(t *testing.T) {
	require.False(t, IsDDLSystemTable(tableJob(1, model.ActionCreateTable, 1, MaxGlobalID, 1, nil)))
	require.True(t, IsDDLSystemTable(tableJob(1, model.ActionCreateTable, 1, MaxGlobalID+1, 1, nil)))
	require.EqualValues(t, 281474976709655, MaxGlobalID)
	require.False(t, IsDDLSystemTable(nil))
}

func TestIsUnsupportedDDLJob(t *testing.T) {
	unsupported := []model.ActionType{
		model.ActionUpdateTiFlashReplicaStatus, model.ActionLockTable, model.ActionUnlockTable,
		model.ActionAlterCacheTable, model.ActionAlterNoCacheTable, model.ActionAlterTableAttributes,
		model.ActionAlterTablePartitionAttributes, model.ActionCreatePlacementPolicy,
		model.ActionAlterPlacementPolicy, model.ActionDropPlacementPolicy,
		model.ActionAlterTablePartitionPlacement, model.ActionModifySchemaDefaultPlacement,
		model.ActionAlterTablePlacement, model.ActionCreateResourceGroup, model.ActionAlterResourceGroup,
		model.ActionDropResourceGroup, model.ActionFlashbackCluster, model.ActionRecoverSchema,
		model.ActionNone, 66, model.ActionRemovePartitioning + 1, 250, 255,
	}
	for _, tp := range unsupported {
		require.True(t, IsUnsupportedDDLJob(&model.Job{Type: tp}), "%d", tp)
	}
	supported := []model.ActionType{
		model.ActionCreateSchema, model.ActionDropSchema, model.ActionCreateTable, model.ActionAddColumn,
		model.ActionTruncateTable, model.ActionSetTiFlashReplica, model.ActionMultiSchemaChange,
		model.ActionCreateTables, model.ActionRenameTables, model.ActionReorganizePartition,
		model.ActionRemovePartitioning,
	}
	for _, tp := range supported {
		require.False(t, IsUnsupportedDDLJob(&model.Job{Type: tp}), tp.String())
	}
	require.True(t, IsUnsupportedDDLJob(nil))
}

func TestUnknownJobTypeIsSkippedLoggedCounted(t *testing.T) {
	var c countCounter
	unknown := tableJob(3, 250, 10, 20, 3, nil)
	placement := &model.Job{ID: 4, Type: model.ActionCreatePlacementPolicy, State: model.JobStateSynced,
		BinlogInfo: &model.HistoryInfo{SchemaVersion: 4}}
	system := tableJob(5, model.ActionCreateTable, 10, MaxGlobalID+3, 5, nil)
	s := newSchema(t, []*model.Job{
		schemaJob(1, model.ActionCreateSchema, 10, 1, "db"),
		tableJob(2, model.ActionCreateTable, 10, 20, 2, tbl(20, "t", 1)),
		unknown, placement, system,
		tableJob(6, model.ActionAddColumn, 10, 20, 6, tbl(20, "t", 2)),
	}, WithSkipCounter(&c))
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(6))
	require.Equal(t, 2, c.n)
	require.EqualValues(t, 6, s.CurrentVersion())
	ti, _ := s.TableByID(20)
	require.Len(t, ti.Columns, 2)
	_, _, err := s.GetSchemaTableAndDelete(3)
	require.ErrorIs(t, err, ErrVersionNotFound)

	// an unknown type arriving as a DDL binlog
	j := tableJob(7, 251, 10, 20, 7, nil)
	s.AddJob(j)
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(7))
	require.Equal(t, 3, c.n)
}

func TestUnknownJobJSON(t *testing.T) {
	// a job of a type from a newer TiDB, with members this model does not know
	body := `[{"id":9,"type":250,"schema_id":1,"table_id":5,"state":6,"schema_state":5,` +
		`"binlog":{"SchemaVersion":9,"DBInfo":null,"TableInfo":{"id":5,"name":{"O":"x","L":"x"},"future":[1]},"NewThing":{}},"brand_new":true}]`
	var jobs []*model.Job
	require.NoError(t, json.Unmarshal([]byte(body), &jobs))
	var c countCounter
	s := newSchema(t, jobs, WithSkipCounter(&c))
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(9))
	require.Equal(t, 1, c.n)
	_, ok := s.TableByID(5)
	require.False(t, ok)
}

func TestAddJobOrder(t *testing.T) {
	s := newSchema(t, nil)
	s.AddJob(nil)
	s.AddJob(schemaJob(1, model.ActionCreateSchema, 10, 5, "db"))
	s.AddJob(schemaJob(2, model.ActionCreateSchema, 11, 4, "old")) // not after the last queued: dropped
	s.AddJob(tableJob(3, model.ActionCreateTable, 10, 20, 6, tbl(20, "t", 2)))
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(5))
	require.EqualValues(t, 5, s.CurrentVersion())
	_, ok := s.SchemaID("old")
	require.False(t, ok)
	_, ok = s.TableByID(20)
	require.False(t, ok, "version 6 is not due yet")
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(6))
	require.Equal(t, "db.t", name(t, s, 20))
	// a job not newer than the schema is skipped
	s.AddJob(tableJob(3, model.ActionDropTable, 10, 20, 6, nil))
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(6))
	s.AddJob(tableJob(2, model.ActionDropTable, 10, 20, 5, nil))
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(6))
	require.Equal(t, "db.t", name(t, s, 20))
}

func TestDeleteOnlyOrderedBeforeDone(t *testing.T) {
	done := tableJob(3, model.ActionDropColumn, 10, 20, 3, tbl(20, "t", 1))
	done.SchemaState = model.StateNone
	del := JobForBinlog(done, int32(model.StateDeleteOnly))
	jobs := SortJobs([]*model.Job{done, nil, del, schemaJob(1, model.ActionCreateSchema, 10, 1, "db")})
	require.Len(t, jobs, 3)
	require.Same(t, del, jobs[1])
	require.Same(t, done, jobs[2])
	// a DeleteOnly job after its done job is not applied again
	s := applied(t, schemaJob(1, model.ActionCreateSchema, 10, 1, "db"),
		tableJob(2, model.ActionCreateTable, 10, 20, 2, tbl(20, "t", 2)), done)
	s.AddJob(del)
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(3))
	require.False(t, s.CanAppendDefaultValue(20, 3))
}

func TestJobsSharingAVersionAreAllApplied(t *testing.T) {
	s := applied(t,
		schemaJob(1, model.ActionCreateSchema, 10, 1, "db"),
		tableJob(3, model.ActionCreateTable, 10, 21, 2, tbl(21, "b", 1)),
		tableJob(2, model.ActionCreateTable, 10, 20, 2, tbl(20, "a", 1)),
	)
	require.Equal(t, "db.a", name(t, s, 20))
	require.Equal(t, "db.b", name(t, s, 21))
	// their DDL binlogs arrive afterwards: nothing is applied twice
	s.AddJob(tableJob(2, model.ActionCreateTable, 10, 20, 2, tbl(20, "a", 1)))
	s.AddJob(tableJob(3, model.ActionCreateTable, 10, 21, 2, tbl(21, "b", 1)))
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(2))
	require.Len(t, s.TableIDs(), 2)
}
