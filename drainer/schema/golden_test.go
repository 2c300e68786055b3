package schema

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// syncDDL does with a DDL binlog what the collector and the syncer do: the
// DeleteOnly rule, the skip rules, AddJob, HandlePreviousDDLJobIfNeed and
// GetSchemaTableAndDelete. synced is false for a binlog that is not replicated.
func syncDDL(t *testing.T, s *Schema, job *model.Job, state int32) (schema, table string, synced bool) {
	t.Helper()
	job = JobForBinlog(job, state)
	if SkipJob(job) || IsDDLSystemTable(job) || IsUnsupportedDDLJob(job) {
		return "", "", false
	}
	s.AddJob(job)
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(job.SchemaVersion()))
	if IsDeleteOnlyDropColumn(job) {
		return "", "", false
	}
	schema, table, err := s.GetSchemaTableAndDelete(job.SchemaVersion())
	require.NoError(t, err)
	return schema, table, true
}

// goldenDDLResults is what the original drainer made of the 15 DDL binlogs
// (drainer_outputs.json): job id, binlog schema state, synced, schema, table.
var goldenDDLResults = []struct {
	jobID  int64
	state  int32
	synced bool
	schema string
	table  string
}{
	{85, 5, true, "goldendb", ""},
	{87, 5, true, "goldendb", "t_all"},
	{89, 5, true, "goldendb", "t_nopk"},
	{91, 5, true, "goldendb", "t_ch"},
	{93, 5, true, "goldendb", "t_ch_ci"},
	{95, 5, true, "goldendb", "t_ch2"},
	{96, 5, true, "goldendb", "t_all"},
	{97, 1, false, "", ""},
	{97, 0, true, "goldendb", "t_all"},
	{98, 5, true, "goldendb", "t_all"},
	{99, 5, true, "goldendb", "t_all"},
	{101, 5, true, "goldendb", "t_all"},
	{102, 5, true, "goldendb", "t_all_renamed"},
	{103, 0, true, "goldendb", "t_all_renamed"},
	{104, 0, true, "goldendb", ""},
}

func TestGoldenReplayOfDDLBinlogs(t *testing.T) {
	golden := loadGolden(t)
	ddls := committedDDLs(t, golden)
	require.Len(t, ddls, len(goldenDDLResults))
	s := newSchema(t, nil)
	for i, d := range ddls {
		want := goldenDDLResults[i]
		require.Equal(t, want.jobID, d.job.JobID)
		require.Equal(t, want.state, d.state)
		// the collector parses the job afresh for every binlog
		schema, table, synced := syncDDL(t, s, parseBody(t, d.job.Body), d.state)
		require.Equal(t, want.synced, synced, d.job.Name)
		require.Equal(t, want.schema, schema, d.job.Name)
		require.Equal(t, want.table, table, d.job.Name)
		require.Equal(t, d.job.Job.SchemaVersion(), s.CurrentVersion())
		checkGoldenStep(t, s, d.job.JobID, d.state)
	}
}

// checkGoldenStep checks the schema after the DDL binlog of jobID.
func checkGoldenStep(t *testing.T, s *Schema, jobID int64, state int32) {
	t.Helper()
	cols := func(id int64) int {
		ti, ok := s.TableByID(id)
		require.True(t, ok, "table %d", id)
		return len(ti.Columns)
	}
	switch jobID {
	case 85:
		id, ok := s.SchemaID("goldendb")
		require.True(t, ok)
		require.EqualValues(t, 84, id)
	case 87:
		require.Equal(t, 17, cols(86))
		db, tbl, ok := s.SchemaAndTableName(86)
		require.True(t, ok)
		require.Equal(t, []string{"goldendb", "t_all"}, []string{db, tbl})
		require.False(t, s.CanAppendDefaultValue(86, 47))
	case 96: // ADD COLUMN at version 51
		require.Equal(t, 18, cols(86))
		old, ok := s.TableBySchemaVersion(86, 47)
		require.True(t, ok)
		require.Len(t, old.Columns, 17)
		cur, _ := s.TableBySchemaVersion(86, 51)
		require.Len(t, cur.Columns, 18)
		require.True(t, s.CanAppendDefaultValue(86, 47))
		require.False(t, s.CanAppendDefaultValue(86, 51))
	case 97:
		require.Equal(t, 17, cols(86))
		// DeleteOnly: rows may lack columns whatever their version
		require.Equal(t, state == 1, s.CanAppendDefaultValue(86, 55))
		require.True(t, s.CanAppendDefaultValue(86, 51))
		prev, _ := s.TableBySchemaVersion(86, 51)
		require.Len(t, prev.Columns, 18)
	case 101: // TRUNCATE gives table id 100
		require.True(t, s.IsTruncateTableID(86))
		_, ok := s.TableByID(86)
		require.False(t, ok)
		require.Equal(t, 17, cols(100))
		require.False(t, s.IsTruncateTableID(100))
	case 102:
		db, tbl, ok := s.SchemaAndTableName(100)
		require.True(t, ok)
		require.Equal(t, []string{"goldendb", "t_all_renamed"}, []string{db, tbl})
	case 103:
		_, ok := s.TableByID(100)
		require.False(t, ok)
		require.Equal(t, 2, cols(88))
	case 104:
		_, ok := s.SchemaID("goldendb")
		require.False(t, ok)
		for _, id := range []int64{88, 90, 92, 94} {
			_, ok := s.TableByID(id)
			require.False(t, ok)
		}
		require.Empty(t, s.TableIDs())
		db, ok := s.SchemaByID(1)
		require.True(t, ok)
		require.Equal(t, "mysql", db.Name.O)
	}
}

func TestGoldenHistoryAppliedLazily(t *testing.T) {
	jobs := goldenJobs(t)
	rand.New(rand.NewSource(1)).Shuffle(len(jobs), func(i, j int) { jobs[i], jobs[j] = jobs[j], jobs[i] })
	s := newSchema(t, jobs)
	require.EqualValues(t, 0, s.CurrentVersion())
	_, ok := s.TableByID(86)
	require.False(t, ok, "jobs are applied lazily")

	// a DML of schema version 47 sees the five tables
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(47))
	require.EqualValues(t, 47, s.CurrentVersion())
	for id, name := range map[int64]string{86: "t_all", 88: "t_nopk", 90: "t_ch", 92: "t_ch_ci", 94: "t_ch2"} {
		db, tbl, ok := s.SchemaAndTableName(id)
		require.True(t, ok)
		require.Equal(t, "goldendb", db)
		require.Equal(t, name, tbl)
	}
	ti, _ := s.TableByID(86)
	require.Len(t, ti.Columns, 17)

	// then the drainer restarts its stream: the DDL binlogs of jobs the
	// history already holds arrive and are replicated once each
	golden := loadGolden(t)
	var got []string
	for _, d := range committedDDLs(t, golden) {
		if d.job.Job.SchemaVersion() <= 47 {
			continue
		}
		schema, table, synced := syncDDL(t, s, parseBody(t, d.job.Body), d.state)
		if synced {
			got = append(got, schema+"."+table)
		}
	}
	require.Equal(t, []string{"goldendb.t_all", "goldendb.t_all", "goldendb.t_all", "goldendb.t_all",
		"goldendb.t_all", "goldendb.t_all_renamed", "goldendb.t_all_renamed", "goldendb."}, got)
	require.EqualValues(t, 75, s.CurrentVersion())
	require.True(t, s.IsTruncateTableID(86))
	require.Empty(t, s.TableIDs())
}

func TestGoldenWholeHistory(t *testing.T) {
	s := newSchema(t, goldenJobs(t))
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(68))
	ti, ok := s.TableByID(100)
	require.True(t, ok)
	require.Equal(t, "t_all", ti.Name.O)
	require.True(t, s.IsTruncateTableID(86))
	// a version already applied is a no-op
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(50))
	require.EqualValues(t, 68, s.CurrentVersion())
	require.NoError(t, s.HandlePreviousDDLJobIfNeed(1<<40))
	require.EqualValues(t, 75, s.CurrentVersion())
	_, _, err := s.GetSchemaTableAndDelete(75)
	require.NoError(t, err)
	_, _, err = s.GetSchemaTableAndDelete(69)
	require.ErrorIs(t, err, ErrVersionNotFound, "older versions are forgotten")
	_, _, err = s.GetSchemaTableAndDelete(75)
	require.NoError(t, err, "the version asked for stays")
}

// TestDropColumnBinlogsEitherOrder: a syncer may ask for the DDL's names
// before it decides to skip the DeleteOnly binlog; both binlogs of the DROP
// COLUMN still resolve, with or without the job in the history already.
func TestDropColumnBinlogsEitherOrder(t *testing.T) {
	golden := loadGolden(t)
	var upTo96, all []*model.Job
	for _, g := range golden {
		all = append(all, parseBody(t, g.Body))
		if g.JobID <= 96 {
			upTo96 = append(upTo96, parseBody(t, g.Body))
		}
	}
	for name, history := range map[string][]*model.Job{"fresh": upTo96, "restart": all} {
		t.Run(name, func(t *testing.T) {
			s := newSchema(t, history)
			require.NoError(t, s.HandlePreviousDDLJobIfNeed(51))
			var dropColumn *goldenJob
			for _, g := range golden {
				if g.JobID == 97 {
					dropColumn = g
				}
			}
			for _, state := range []int32{1, 0} {
				job := JobForBinlog(parseBody(t, dropColumn.Body), state)
				s.AddJob(job)
				require.NoError(t, s.HandlePreviousDDLJobIfNeed(55))
				schema, table, err := s.GetSchemaTableAndDelete(55)
				require.NoError(t, err)
				require.Equal(t, "goldendb.t_all", schema+"."+table)
			}
			require.False(t, s.CanAppendDefaultValue(86, 55))
		})
	}
}
