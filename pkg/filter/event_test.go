package filter

import (
	"testing"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/stretchr/testify/require"
)

func TestGlob(t *testing.T) {
	cases := []struct {
		pattern, s string
		match      bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"doc*", "doc", true},
		{"doc*", "document", true},
		{"doc*", "dodo", false},
		{"t?", "t1", true},
		{"t?", "t", false},
		{"t?", "t12", false},
		{"t_[0-9]", "t_5", true},
		{"t_[0-9]", "t_x", false},
		{"t_[!0-9]", "t_x", true},
		{"t_[!0-9]", "t_5", false},
		{"t_[abc]*", "t_b_rest", true},
		{"t_[!]", "t_!", true},
		{"t_[", "t_[", true},
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"", "", true},
		{"", "a", false},
	}
	for _, c := range cases {
		g, err := parseGlob(c.pattern)
		require.NoError(t, err)
		require.Equal(t, c.match, g.match(c.s), "%q ~ %q", c.pattern, c.s)
	}
	_, err := parseGlob("a*b")
	require.ErrorIs(t, err, ErrBadPattern)
}

// The original's tests/binlogfilter drainer.toml.
func binlogFilterCase(t *testing.T) *EventFilter {
	t.Helper()
	named := map[string]IgnoreRule{
		"truncate-table-filter": {IgnoreEvent: []string{"truncate table"}},
		"add-column-aaa-filter": {IgnoreSQL: []string{"alter table .* add column aaa int"}},
		"delete-filter":         {IgnoreEvent: []string{"delete"}},
	}
	rules := []MigrateRule{
		{BinlogFilterRule: []string{"truncate-table-filter", "add-column-aaa-filter", "delete-filter"},
			Source: TableRef{"do_not_truncate_database*", "do_not_truncate_table*"}},
		{BinlogFilterRule: []string{"add-column-aaa-filter"},
			Source: TableRef{"do_not_add_col_database*", "do_not_add_col_table*"}},
		{BinlogFilterRule: []string{"delete-filter"},
			Source: TableRef{"do_not_delete_database*", "do_not_delete_table*"}},
	}
	ef, router, err := FromMigrateRules(false, rules, named, false)
	require.NoError(t, err)
	require.Nil(t, router)
	return ef
}

func TestBinlogFilterCase(t *testing.T) {
	ef := binlogFilterCase(t)
	cases := []struct {
		schema, table, query string
		dml                  loader.DMLType
		skip                 bool
	}{
		{"do_not_truncate_database1", "do_not_truncate_table1", "truncate table do_not_truncate_table1", 0, true},
		{"do_not_truncate_database1", "do_not_truncate_table1", "ALTER TABLE do_not_truncate_table1 ADD COLUMN aaa INT", 0, true},
		{"do_not_truncate_database1", "do_not_truncate_table1", "ALTER TABLE do_not_truncate_table1 ADD COLUMN bbb INT", 0, false},
		{"do_not_truncate_database1", "do_not_truncate_table1", "", loader.DeleteDMLType, true},
		{"do_not_truncate_database1", "do_not_truncate_table1", "", loader.InsertDMLType, false},
		{"do_not_truncate_database1", "other_table", "truncate table other_table", 0, false},
		{"do_not_add_col_database1", "do_not_add_col_table1", "alter table do_not_add_col_table1 add column aaa int", 0, true},
		{"do_not_add_col_database1", "do_not_add_col_table1", "truncate table do_not_add_col_table1", 0, false},
		{"do_not_add_col_database1", "do_not_add_col_table1", "", loader.DeleteDMLType, false},
		{"do_not_delete_database1", "do_not_delete_table1", "", loader.DeleteDMLType, true},
		{"do_not_delete_database1", "do_not_delete_table1", "", loader.UpdateDMLType, false},
		{"DO_NOT_DELETE_DATABASE1", "Do_Not_Delete_Table1", "", loader.DeleteDMLType, true}, // case-insensitive
		{"test", "t", "truncate table t", 0, false},
		{"test", "t", "", loader.DeleteDMLType, false},
	}
	for _, c := range cases {
		var skip bool
		if c.query != "" {
			skip = ef.SkipDDL(c.schema, c.table, c.query)
		} else {
			skip = ef.SkipDML(c.schema, c.table, c.dml)
		}
		require.Equal(t, c.skip, skip, "%s.%s %q %v", c.schema, c.table, c.query, c.dml)
	}
}

func TestEventFilterSemantics(t *testing.T) {
	rules := []EventRule{
		// schema-level Ignore: every table of logs*.
		{SchemaPattern: "logs*", Events: []EventType{"all dml"}, Action: Ignore},
		// Do rule: only inserts and CREATE TABLE pass for keep.t*.
		{SchemaPattern: "keep", TablePattern: "t*", Events: []EventType{"insert", "create table"}, Action: Do},
		// Do rule with a sql-pattern: only statements matching it pass.
		{SchemaPattern: "sqlonly", TablePattern: "*", Events: []EventType{"all"}, SQLPattern: []string{"^CREATE"}, Action: Do},
		// none stops the list.
		{SchemaPattern: "nothing", TablePattern: "*", Events: []EventType{"none", "insert"}, Action: Ignore},
		{SchemaPattern: "CaseDB", TablePattern: "T", Events: []EventType{"Drop Schema", "add index"}, Action: Ignore},
	}
	ef, err := NewEventFilter(false, rules)
	require.NoError(t, err)
	cases := []struct {
		schema, table string
		event         EventType
		query         string
		want          Action
	}{
		{"logs_1", "t", InsertEvent, "", Ignore},
		{"logs_1", "t", CreateTable, "create table t(a int)", Do},
		{"keep", "t1", InsertEvent, "", Do},
		{"keep", "t1", UpdateEvent, "", Ignore},
		{"keep", "t1", CreateTable, "create table t1(a int)", Do},
		{"keep", "t1", DropTable, "drop table t1", Ignore},
		{"keep", "x", UpdateEvent, "", Do},
		{"sqlonly", "t", CreateTable, "create table t(a int)", Do},
		{"sqlonly", "t", DropTable, "drop table t", Ignore},
		{"sqlonly", "t", InsertEvent, "", Do},
		{"nothing", "t", InsertEvent, "", Do},
		{"casedb", "t", CreateIndex, "create index i on t(a)", Ignore},
		{"CASEDB", "T", DropDatabase, "drop database casedb", Ignore},
		{"other", "t", NullEvent, "grant all", Do},
	}
	for _, c := range cases {
		got, err := ef.Filter(c.schema, c.table, c.event, c.query)
		require.NoError(t, err)
		require.Equal(t, c.want, got, "%s.%s %s %q", c.schema, c.table, c.event, c.query)
	}
	_, err = ef.Filter("a", "b", "bogus", "")
	require.ErrorIs(t, err, ErrBadEventType)

	var nilFilter *EventFilter
	require.False(t, nilFilter.SkipDML("a", "b", loader.DeleteDMLType))
	require.False(t, nilFilter.SkipDDL("a", "b", "drop table b"))
}

func TestEventFilterCaseSensitive(t *testing.T) {
	ef, err := NewEventFilter(true, []EventRule{{SchemaPattern: "Db", TablePattern: "T*", Events: []EventType{"delete"}, Action: Ignore}})
	require.NoError(t, err)
	require.True(t, ef.SkipDML("Db", "T1", loader.DeleteDMLType))
	require.False(t, ef.SkipDML("db", "T1", loader.DeleteDMLType))
	require.False(t, ef.SkipDML("Db", "t1", loader.DeleteDMLType))
}

func TestEventFilterErrors(t *testing.T) {
	for _, rules := range [][]EventRule{
		{{SchemaPattern: "a", Action: "Maybe"}},
		{{SchemaPattern: "a", Events: []EventType{"explode"}, Action: Ignore}},
		{{SchemaPattern: "a", SQLPattern: []string{"("}, Action: Ignore}},
		{{SchemaPattern: "", Action: Ignore}},
		{{SchemaPattern: "a*b", Action: Ignore}},
		{{SchemaPattern: "a", TablePattern: "t", Action: Ignore}, {SchemaPattern: "a", TablePattern: "t", Action: Do}},
	} {
		_, err := NewEventFilter(false, rules)
		require.Error(t, err, "%+v", rules)
	}
	_, _, err := FromMigrateRules(false, []MigrateRule{{BinlogFilterRule: []string{"missing"}, Source: TableRef{"a", "b"}}}, nil, false)
	require.ErrorContains(t, err, "missing")
}

func TestOracleRule(t *testing.T) {
	ef, _, err := FromMigrateRules(false, nil, nil, true)
	require.NoError(t, err)
	require.False(t, ef.SkipDDL("db", "t", "TRUNCATE TABLE t"))
	require.False(t, ef.SkipDDL("db", "t", "ALTER TABLE t TRUNCATE PARTITION p0"))
	require.True(t, ef.SkipDDL("db", "t", "ALTER TABLE t ADD COLUMN c INT"))
	require.True(t, ef.SkipDDL("db", "t", "CREATE TABLE t (a int)"))
	require.False(t, ef.SkipDML("db", "t", loader.UpdateDMLType))
}

func TestDDLEventType(t *testing.T) {
	cases := map[string]EventType{
		"CREATE DATABASE IF NOT EXISTS d":                CreateDatabase,
		"create schema d":                                CreateDatabase,
		"DROP DATABASE d":                                DropDatabase,
		"drop schema if exists d":                        DropDatabase,
		"ALTER DATABASE d CHARACTER SET utf8mb4":         AlterDatabase,
		"CREATE TABLE `t_all` (`id` BIGINT PRIMARY KEY)": CreateTable,
		"create temporary table t (a int)":               CreateTable,
		"DROP TABLE IF EXISTS t":                         DropTable,
		"DROP TEMPORARY TABLE t":                         DropTable,
		"TRUNCATE TABLE t":                               TruncateTable,
		"truncate t":                                     TruncateTable,
		"RENAME TABLE a TO b":                            RenameTable,
		"CREATE UNIQUE INDEX i ON t(a)":                  CreateIndex,
		"DROP INDEX i ON t":                              DropIndex,
		"ALTER TABLE t ADD COLUMN c INT":                 AlterTable,
		"CREATE OR REPLACE ALGORITHM = MERGE DEFINER = `root`@`%` SQL SECURITY DEFINER VIEW v AS SELECT 1": CreateView,
		"CREATE DEFINER = root@localhost VIEW v AS SELECT 1":                                               CreateView,
		"DROP VIEW v":                          DropView,
		"/* comment */ CREATE TABLE t (a int)": CreateTable,
		"-- comment\nDROP TABLE t":             DropTable,
		"use `db`; CREATE TABLE `t` (a int);":  CreateTable,
		"use db; drop table t;":                DropTable,
		"CREATE SEQUENCE s":                    NullEvent,
		"CREATE USER 'u'@'%'":                  NullEvent,
		"GRANT ALL ON *.* TO u":                NullEvent,
		"":                                     NullEvent,
		"ALTER":                                NullEvent,
	}
	for q, want := range cases {
		require.Equal(t, want, DDLEventType(q), q)
	}
}

func TestRouter(t *testing.T) {
	r, err := NewRouter(false, []RouteRule{
		{SchemaPattern: "test_*", TablePattern: "t_*", TargetSchema: "test", TargetTable: "t"},
		{SchemaPattern: "test_*", TargetSchema: "test"},
		{SchemaPattern: "keep", TablePattern: "a*", TargetSchema: "kept"},
		{SchemaPattern: "dup", TablePattern: "a*", TargetSchema: "x"},
		{SchemaPattern: "dup", TablePattern: "ab*", TargetSchema: "y"},
	})
	require.NoError(t, err)
	cases := []struct{ schema, table, ws, wt string }{
		{"test_1", "t_1", "test", "t"},
		{"Test_1", "T_1", "test", "t"},
		{"test_1", "other", "test", "other"},
		{"test_1", "", "test", ""},
		{"keep", "abc", "kept", "abc"},
		{"keep", "x", "keep", "x"},
		{"none", "t", "none", "t"},
	}
	for _, c := range cases {
		s, tb, err := r.Route(c.schema, c.table)
		require.NoError(t, err)
		require.Equal(t, []string{c.ws, c.wt}, []string{s, tb}, "%s.%s", c.schema, c.table)
	}
	_, _, err = r.Route("dup", "abc")
	require.ErrorIs(t, err, ErrAmbiguousRoute)

	_, err = NewRouter(false, []RouteRule{{SchemaPattern: "a", TargetTable: "t"}})
	require.ErrorIs(t, err, ErrBadPattern)

	_, router, err := FromMigrateRules(true, []MigrateRule{{Source: TableRef{"Up", "T"}, Target: &TableRef{"DOWN", "T2"}}}, nil, false)
	require.NoError(t, err)
	s, tb, err := router.Route("Up", "T")
	require.NoError(t, err)
	require.Equal(t, []string{"DOWN", "T2"}, []string{s, tb})
	s, tb, err = router.Route("up", "T")
	require.NoError(t, err)
	require.Equal(t, []string{"up", "T"}, []string{s, tb})

	var nilRouter *Router
	s, tb, err = nilRouter.Route("a", "b")
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, []string{s, tb})
}
