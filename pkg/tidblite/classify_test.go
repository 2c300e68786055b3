package tidblite

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		query string
		kind  stmtKind
	}{
		{"BEGIN", stmtBegin},
		{"start transaction", stmtBegin},
		{"COMMIT", stmtCommit},
		{"rollback", stmtRollback},
		{"SELECT 1", stmtRead},
		{"SELECT 1 UNION SELECT 2", stmtRead},
		{"SHOW TABLES", stmtRead},
		{"SET @@time_zone = '+08:00'", stmtRead},
		{"USE d", stmtRead},
		{"INSERT INTO t VALUES (1)", stmtWrite},
		{"UPDATE t SET a = 1", stmtWrite},
		{"DELETE FROM t", stmtWrite},
		{"REPLACE INTO t VALUES (1)", stmtWrite},
		{"not sql at all", stmtWrite},
		{"CREATE DATABASE d", stmtDDL},
		{"CREATE TABLE t (id int)", stmtDDL},
		{"ALTER TABLE t ADD COLUMN c int", stmtDDL},
		{"CREATE INDEX i ON t (c)", stmtDDL},
		{"TRUNCATE t", stmtDDL},
		{"SHOW PUMP STATUS", stmtCustom},
		{"show drainer status;", stmtCustom},
		{"SHOW MASTER STATUS", stmtCustom},
		{"CHANGE PUMP TO NODE_STATE ='paused' FOR NODE_ID 'p1'", stmtCustom},
	} {
		require.Equal(t, tc.kind, classify(tc.query).kind, tc.query)
	}
	c := classify(`change drainer to node_state = "offline" for node_id "host:8249"`)
	require.Equal(t, customChangeDrainer, c.custom)
	require.Equal(t, "offline", c.state)
	require.Equal(t, "host:8249", c.nodeID)
	require.Equal(t, customShowDrainer, classify("SHOW DRAINER STATUS").custom)
	require.Equal(t, customShowMaster, classify(" show  master status ").custom)
}

func TestPlanDDL(t *testing.T) {
	cat := goldenCatalog(t, false)
	plan := func(q, cur string) ([]*ddlPlan, bool, error) {
		c := classify(q)
		require.Equal(t, stmtDDL, c.kind, q)
		return planDDL(c.parsed, q, cur, cat)
	}
	for _, tc := range []struct {
		query, cur string
		action     model.ActionType
	}{
		{"CREATE DATABASE other", "", model.ActionCreateSchema},
		{"DROP DATABASE goldendb", "", model.ActionDropSchema},
		{"CREATE TABLE t2 (id int)", "goldendb", model.ActionCreateTable},
		{"CREATE TABLE goldendb.t2 LIKE goldendb.t_all", "", model.ActionCreateTable},
		{"DROP TABLE t_all", "goldendb", model.ActionDropTable},
		{"TRUNCATE TABLE goldendb.t_all", "", model.ActionTruncateTable},
		{"RENAME TABLE t_all TO t_x", "goldendb", model.ActionRenameTable},
		{"ALTER TABLE t_all RENAME TO t_x", "goldendb", model.ActionRenameTable},
		{"ALTER TABLE t_all ADD COLUMN x int", "goldendb", model.ActionAddColumn},
		{"ALTER TABLE t_all DROP COLUMN c_int", "goldendb", model.ActionDropColumn},
		{"ALTER TABLE t_all MODIFY COLUMN c_int bigint", "goldendb", model.ActionModifyColumn},
		{"ALTER TABLE t_all CHANGE c_int c_int2 bigint", "goldendb", model.ActionModifyColumn},
		{"ALTER TABLE t_all RENAME COLUMN c_int TO c_int2", "goldendb", model.ActionModifyColumn},
		{"ALTER TABLE t_all ALTER COLUMN c_int SET DEFAULT 5", "goldendb", model.ActionSetDefaultValue},
		{"ALTER TABLE t_all ADD INDEX i (c_int)", "goldendb", model.ActionAddIndex},
		{"CREATE UNIQUE INDEX i ON t_all (c_int)", "goldendb", model.ActionAddIndex},
		{"ALTER TABLE t_all DROP INDEX i", "goldendb", model.ActionDropIndex},
		{"DROP INDEX i ON t_all", "goldendb", model.ActionDropIndex},
	} {
		plans, pass, err := plan(tc.query, tc.cur)
		require.NoError(t, err, tc.query)
		require.False(t, pass, tc.query)
		require.Len(t, plans, 1, tc.query)
		require.Equal(t, tc.action, plans[0].action, tc.query)
		require.Equal(t, tc.query, plans[0].query, "a single job keeps the statement")
	}
	plans, _, err := plan("ALTER TABLE t_all CHANGE c_int c_int2 bigint", "goldendb")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"c_int2": "c_int"}, plans[0].renamed)

	for _, q := range []string{
		"CREATE DATABASE goldendb", "CREATE TABLE t_all (id int)", "DROP TABLE IF EXISTS nope", "DROP TABLE nope",
		"TRUNCATE TABLE nope", "ALTER TABLE nope ADD COLUMN x int", "DROP DATABASE nope", "CREATE TABLE nodb.t (id int)",
	} {
		_, pass, err := plan(q, "goldendb")
		require.NoError(t, err, q)
		require.True(t, pass, "the engine handles %q", q)
	}
	for _, q := range []string{
		"ALTER TABLE t_all ADD COLUMN a int, ADD COLUMN b int", "CREATE VIEW v AS SELECT 1",
		"CREATE TABLE t3 AS SELECT 1", "ALTER TABLE t_all ADD PRIMARY KEY (c_int)", "ALTER TABLE t_all DROP PRIMARY KEY",
		"ALTER TABLE t_all ADD FULLTEXT INDEX f (c_char)",
	} {
		_, _, err := plan(q, "goldendb")
		require.True(t, errors.Is(err, ErrUnsupportedDDL), "%q: %v", q, err)
	}
	plans, _, err = plan("DROP TABLE IF EXISTS t_all, nope, goldendb.t_nopk", "goldendb")
	require.NoError(t, err)
	require.Len(t, plans, 2)
	require.Equal(t, "DROP TABLE `goldendb`.`t_all`", plans[0].query)
	require.Equal(t, "DROP TABLE `goldendb`.`t_nopk`", plans[1].query)
}

func TestParseTimeZone(t *testing.T) {
	for _, tc := range []struct {
		in  string
		off int
	}{
		{"+08:00", 8 * 3600}, {"-05:30", -(5*3600 + 30*60)}, {"+00:00", 0}, {"UTC", 0},
	} {
		loc, err := parseTimeZone(tc.in)
		require.NoError(t, err, tc.in)
		_, off := time.Date(2024, 1, 1, 0, 0, 0, 0, loc).Zone()
		require.Equal(t, tc.off, off, tc.in)
	}
	loc, err := parseTimeZone("SYSTEM")
	require.NoError(t, err)
	require.Equal(t, time.Local, loc)
	for _, bad := range []string{"+x", "Nowhere/Nothing"} {
		_, err := parseTimeZone(bad)
		require.Error(t, err, bad)
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"SHOW PUMP STATUS", "CHANGE PUMP TO NODE_STATE='a' FOR NODE_ID 'b'", "BEGIN",
		"CREATE TABLE t (id int)", "ALTER TABLE t ADD COLUMN c int", "select 1", "DROP TABLE a, b", ""} {
		f.Add(s)
	}
	cat := newCatalog()
	f.Fuzz(func(t *testing.T, q string) {
		c := classify(q)
		if c.kind == stmtDDL {
			_, _, _ = planDDL(c.parsed, q, "d", cat) // must not panic
		}
		if c.kind == stmtCustom && (c.custom == customChangePump || c.custom == customChangeDrainer) &&
			!strings.ContainsAny(c.state+c.nodeID, "'\"") {
			again := classify("CHANGE PUMP TO NODE_STATE='" + c.state + "' FOR NODE_ID '" + c.nodeID + "'")
			if again.state != c.state || again.nodeID != c.nodeID {
				t.Fatalf("%q: state %q node %q, rebuilt: %q %q", q, c.state, c.nodeID, again.state, again.nodeID)
			}
		}
	})
}

func FuzzParseTimeZone(f *testing.F) {
	for _, s := range []string{"+08:00", "-00:30", "SYSTEM", "UTC", "Asia/Shanghai", "+", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		loc, err := parseTimeZone(s)
		if err == nil && loc == nil {
			t.Fatal("nil location without error")
		}
	})
}

func FuzzMVCCBody(f *testing.F) {
	for _, s := range []string{"7480000000000000565f728000000000000001", "", "zz", "abc"} {
		f.Add(s)
	}
	s := newMVCCStore(4, time.Now)
	s.prewrite([]byte{0x74, 0x80}, 1)
	f.Fuzz(func(t *testing.T, key string) {
		body, err := s.mvccBody(key)
		if err == nil && len(body) == 0 {
			t.Fatal("empty body")
		}
	})
}
