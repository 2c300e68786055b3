package schema

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

func tbl(id int64, name string, ncols int, parts ...int64) *model.TableInfo {
	ti := &model.TableInfo{ID: id, Name: model.NewCIStr(name), State: model.StatePublic}
	for i := range ncols {
		ti.Columns = append(ti.Columns, &model.ColumnInfo{ID: int64(i + 1), Offset: i,
			Name: model.NewCIStr(string(rune('a' + i))), State: model.StatePublic})
	}
	if len(parts) > 0 {
		ti.Partition = &model.PartitionInfo{Enable: true}
		for i, p := range parts {
			ti.Partition.Definitions = append(ti.Partition.Definitions,
				model.PartitionDefinition{ID: p, Name: model.NewCIStr(string(rune('p' + i)))})
		}
	}
	return ti
}

func tableJob(id int64, tp model.ActionType, schemaID, tableID, version int64, info *model.TableInfo, args ...any) *model.Job {
	j := &model.Job{ID: id, Type: tp, SchemaID: schemaID, TableID: tableID, State: model.JobStateSynced,
		SchemaState: model.StatePublic, Query: "ddl", BinlogInfo: &model.HistoryInfo{SchemaVersion: version, TableInfo: info}}
	if len(args) > 0 {
		b, err := json.Marshal(args)
		if err != nil {
			panic(err)
		}
		j.RawArgs = b
	}
	return j
}

func schemaJob(id int64, tp model.ActionType, schemaID, version int64, name string) *model.Job {
	return &model.Job{ID: id, Type: tp, SchemaID: schemaID, State: model.JobStateSynced, Query: "ddl",
		BinlogInfo: &model.HistoryInfo{SchemaVersion: version, DBInfo: &model.DBInfo{ID: schemaID, Name: model.NewCIStr(name)}}}
}

// applied returns a schema with jobs applied up to the last one.
func applied(t *testing.T, jobs ...*model.Job) *Schema {
	t.Helper()
	s := newSchema(t, jobs)
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(jobs[len(jobs)-1].SchemaVersion()))
	return s
}

func name(t *testing.T, s *Schema, id int64) string {
	t.Helper()
	db, tb, ok := s.SchemaAndTableName(id)
	if !ok {
		return ""
	}
	return db + "." + tb
}

func TestPartitionIDsMapToTheTable(t *testing.T) {
	s := applied(t,
		schemaJob(1, model.ActionCreateSchema, 10, 1, "db"),
		tableJob(2, model.ActionCreateTable, 10, 20, 2, tbl(20, "pt", 2, 21, 22)),
	)
	for _, id := range []int64{20, 21, 22} {
		ti, ok := s.TableByID(id)
		require.True(t, ok)
		require.EqualValues(t, 20, ti.ID)
		require.Equal(t, "db.pt", name(t, s, id))
	}
	// ADD PARTITION, then TRUNCATE PARTITION p (21 -> 23)
	s.AddJob(tableJob(3, model.ActionAddTablePartition, 10, 20, 3, tbl(20, "pt", 2, 21, 22, 24)))
	s.AddJob(tableJob(4, model.ActionTruncateTablePartition, 10, 20, 4, tbl(20, "pt", 2, 23, 22, 24)))
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(4))
	require.Equal(t, "db.pt", name(t, s, 24))
	require.Equal(t, "db.pt", name(t, s, 23))
	require.Empty(t, name(t, s, 21))
	require.True(t, s.IsTruncateTableID(21))
	require.False(t, s.IsTruncateTableID(22))
	// DROP PARTITION, then DROP TABLE removes the partition ids
	s.AddJob(tableJob(5, model.ActionDropTablePartition, 10, 20, 5, tbl(20, "pt", 2, 23, 24)))
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(5))
	require.Empty(t, name(t, s, 22))
	s.AddJob(tableJob(6, model.ActionDropTable, 10, 20, 6, nil))
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(6))
	for _, id := range []int64{20, 23, 24} {
		_, ok := s.TableByID(id)
		require.False(t, ok)
	}
}

func TestTruncatePartitionedTable(t *testing.T) {
	s := applied(t,
		schemaJob(1, model.ActionCreateSchema, 10, 1, "db"),
		tableJob(2, model.ActionCreateTable, 10, 20, 2, tbl(20, "pt", 2, 21, 22)),
		tableJob(3, model.ActionTruncateTable, 10, 20, 3, tbl(30, "pt", 2, 31, 32)),
	)
	for _, id := range []int64{20, 21, 22} {
		require.True(t, s.IsTruncateTableID(id))
	}
	require.Equal(t, "db.pt", name(t, s, 31))
	// RECOVER (FLASHBACK) TABLE brings the ids back: no longer truncated
	s.AddJob(tableJob(4, model.ActionRecoverTable, 10, 20, 4, tbl(20, "pt_old", 1, 21, 22)))
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(4))
	for _, id := range []int64{20, 21, 22} {
		require.False(t, s.IsTruncateTableID(id))
		require.Equal(t, "db.pt_old", name(t, s, id))
	}
}

func TestExchangePartition(t *testing.T) {
	s := applied(t,
		schemaJob(1, model.ActionCreateSchema, 10, 1, "db"),
		schemaJob(2, model.ActionCreateSchema, 11, 2, "db2"),
		tableJob(3, model.ActionCreateTable, 10, 20, 3, tbl(20, "pt", 2, 21, 22)),
		tableJob(4, model.ActionCreateTable, 11, 30, 4, tbl(30, "nt", 2)),
	)
	// the partition 21 becomes nt (id 21), nt's id 30 becomes the partition
	s.AddJob(tableJob(5, model.ActionExchangeTablePartition, 11, 30, 5, tbl(20, "pt", 2, 30, 22), 21, 10, 20, "p", true))
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(5))
	require.Equal(t, "db.pt", name(t, s, 30))
	require.Equal(t, "db.pt", name(t, s, 22))
	require.Equal(t, "db2.nt", name(t, s, 21))
	ti, _ := s.TableByID(21)
	require.EqualValues(t, 21, ti.ID)
	schema, table, err := s.GetSchemaTableAndDelete(5)
	require.NoError(t, err)
	require.Equal(t, "db2.pt", schema+"."+table)

	// arguments that do not fit are an error, not a panic
	s.AddJob(tableJob(6, model.ActionExchangeTablePartition, 11, 21, 6, tbl(20, "pt", 2, 21, 22), "x"))
	require.ErrorIs(t, s.HandlePreviousDDLJobIfNeed(6), ErrBadJobArgs)
}

func TestRenameAndCreateTables(t *testing.T) {
	s := applied(t,
		schemaJob(1, model.ActionCreateSchema, 10, 1, "a"),
		schemaJob(2, model.ActionCreateSchema, 11, 2, "b"),
	)
	ct := tableJob(3, model.ActionCreateTables, 10, 0, 3, nil)
	ct.BinlogInfo.MultipleTableInfos = []*model.TableInfo{tbl(20, "t1", 1), tbl(21, "t2", 1)}
	s.AddJob(ct)
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(3))
	schema, table, err := s.GetSchemaTableAndDelete(3)
	require.NoError(t, err)
	require.Equal(t, "a.", schema+"."+table)
	require.Equal(t, "a.t1", name(t, s, 20))

	rt := tableJob(4, model.ActionRenameTables, 0, 0, 4, nil,
		[]int64{10, 10}, []int64{11, 10}, []model.CIStr{model.NewCIStr("x1"), model.NewCIStr("x2")}, []int64{20, 21})
	rt.BinlogInfo.MultipleTableInfos = []*model.TableInfo{tbl(20, "x1", 1), tbl(21, "x2", 1)}
	s.AddJob(rt)
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(4))
	require.Equal(t, "b.x1", name(t, s, 20))
	require.Equal(t, "a.x2", name(t, s, 21))
	schema, table, err = s.GetSchemaTableAndDelete(4)
	require.NoError(t, err)
	require.Equal(t, "b.x1", schema+"."+table)

	bad := tableJob(5, model.ActionRenameTables, 0, 0, 5, nil, []int64{10}, []int64{})
	bad.BinlogInfo.MultipleTableInfos = []*model.TableInfo{tbl(20, "y", 1)}
	s.AddJob(bad)
	require.ErrorIs(t, s.HandlePreviousDDLJobIfNeed(5), ErrBadJobArgs)
}

func TestViewsSequencesAndSchemaCharset(t *testing.T) {
	s := applied(t,
		schemaJob(1, model.ActionCreateSchema, 10, 1, "db"),
		tableJob(2, model.ActionCreateView, 10, 20, 2, tbl(20, "v", 1), tbl(20, "v", 1), false, 0),
		tableJob(3, model.ActionCreateView, 10, 21, 3, tbl(21, "v", 2), tbl(21, "v", 2), true, 20), // OR REPLACE
		tableJob(4, model.ActionCreateSequence, 10, 22, 4, tbl(22, "seq", 0)),
	)
	_, ok := s.TableByID(20)
	require.False(t, ok, "the replaced view is gone")
	require.Equal(t, "db.v", name(t, s, 21))
	require.Equal(t, "db.seq", name(t, s, 22))
	modify := schemaJob(5, model.ActionModifySchemaCharsetAndCollate, 10, 5, "db")
	modify.BinlogInfo.DBInfo.Charset = "latin1"
	s.AddJob(modify)
	s.AddJob(tableJob(6, model.ActionDropView, 10, 21, 6, nil))
	s.AddJob(tableJob(7, model.ActionDropSequence, 10, 22, 7, nil))
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(7))
	db, ok := s.SchemaByID(10)
	require.True(t, ok)
	require.Equal(t, "latin1", db.Charset)
	require.Empty(t, s.TableIDs())
}

func TestKeepsTwoVersions(t *testing.T) {
	s := applied(t,
		schemaJob(1, model.ActionCreateSchema, 10, 1, "db"),
		tableJob(2, model.ActionCreateTable, 10, 20, 2, tbl(20, "t", 1)),
		tableJob(3, model.ActionAddColumn, 10, 20, 3, tbl(20, "t", 2)),
		tableJob(4, model.ActionAddColumn, 10, 20, 4, tbl(20, "t", 3)),
	)
	ncols := func(v int64) int {
		ti, ok := s.TableBySchemaVersion(20, v)
		require.True(t, ok)
		return len(ti.Columns)
	}
	require.Equal(t, 3, ncols(4))
	require.Equal(t, 3, ncols(100))
	require.Equal(t, 2, ncols(3))
	require.Equal(t, 2, ncols(2), "versions older than the kept ones get the oldest kept")
	require.True(t, s.CanAppendDefaultValue(20, 3))
	require.False(t, s.CanAppendDefaultValue(20, 4))
	require.False(t, s.CanAppendDefaultValue(99, 1))
	_, ok := s.TableBySchemaVersion(99, 1)
	require.False(t, ok)
}

func TestTableChangeWithNewID(t *testing.T) {
	// e.g. REMOVE PARTITIONING: the job's table id is the old one, the info has the new id
	s := applied(t,
		schemaJob(1, model.ActionCreateSchema, 10, 1, "db"),
		tableJob(2, model.ActionCreateTable, 10, 20, 2, tbl(20, "t", 1, 21, 22)),
		tableJob(3, model.ActionRemovePartitioning, 10, 20, 3, tbl(23, "t", 1)),
	)
	for _, id := range []int64{20, 21, 22} {
		_, ok := s.TableByID(id)
		require.False(t, ok)
	}
	require.Equal(t, "db.t", name(t, s, 23))
}

func TestApplyErrorsNeverPanic(t *testing.T) {
	base := []*model.Job{schemaJob(1, model.ActionCreateSchema, 10, 1, "db")}
	cases := map[string]struct {
		job  *model.Job
		want error
	}{
		"create table without info":  {tableJob(2, model.ActionCreateTable, 10, 20, 2, nil), ErrMissingInfo},
		"create table in unknown db": {tableJob(2, model.ActionCreateTable, 99, 20, 2, tbl(20, "t", 1)), ErrSchemaNotFound},
		"drop unknown table":         {tableJob(2, model.ActionDropTable, 10, 20, 2, nil), ErrTableNotFound},
		"truncate unknown table":     {tableJob(2, model.ActionTruncateTable, 10, 20, 2, tbl(21, "t", 1)), ErrTableNotFound},
		"rename unknown table":       {tableJob(2, model.ActionRenameTable, 10, 20, 2, tbl(20, "t", 1)), ErrTableNotFound},
		"drop unknown schema":        {schemaJob(2, model.ActionDropSchema, 99, 2, "x"), ErrSchemaNotFound},
		"create schema without info": {tableJob(2, model.ActionCreateSchema, 11, 0, 2, nil), ErrMissingInfo},
		"charset of unknown schema":  {schemaJob(2, model.ActionModifySchemaCharsetAndCollate, 99, 2, "x"), ErrSchemaNotFound},
		"add column without info":    {tableJob(2, model.ActionAddColumn, 10, 20, 2, nil), ErrMissingInfo},
		"create tables without info": {tableJob(2, model.ActionCreateTables, 10, 0, 2, nil), ErrMissingInfo},
		"rename tables without info": {tableJob(2, model.ActionRenameTables, 10, 0, 2, nil), ErrBadJobArgs},
		"rename tables bad args":     {tableJob(2, model.ActionRenameTables, 10, 0, 2, nil, "x"), ErrBadJobArgs},
	}
	for n, c := range cases {
		t.Run(n, func(t *testing.T) {
			s := newSchema(t, append(append([]*model.Job{}, base...), c.job))
			err := s.HandlePreviousDDLJobIfNeed(10)
			require.ErrorIs(t, err, c.want)
			require.EqualValues(t, 1, s.CurrentVersion())
			// the failing job stays queued
			require.ErrorIs(t, s.HandlePreviousDDLJobIfNeed(10), c.want)
		})
	}
}
