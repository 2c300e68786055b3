package filter

import (
	"testing"

	"github.com/stretchr/testify/require"
)

type skipCase struct {
	schema, table string
	skip          bool
}

func checkSkips(t *testing.T, f *Filter, cases []skipCase) {
	t.Helper()
	for _, c := range cases {
		require.Equal(t, c.skip, f.SkipSchemaAndTable(c.schema, c.table), "%s.%s", c.schema, c.table)
	}
}

func mustFilter(t *testing.T, r Rules) *Filter {
	t.Helper()
	f, err := New(r)
	require.NoError(t, err)
	return f
}

func TestFilterRules(t *testing.T) {
	doDBs := []string{"fulldb", "~fulldb_re.*"}
	doTables := []TableName{{"db", "table"}, {"db2", "~table"}}
	tests := []struct {
		name  string
		rules Rules
		cases []skipCase
	}{
		{"no rules", Rules{}, []skipCase{{"a", "b", false}, {"mysql", "user", false}, {"a", "", false}}},
		{"do rules", Rules{DoDBs: doDBs, DoTables: doTables}, []skipCase{
			{"Fulldb", "t1", false},      // literal names fold case
			{"fulldb_re_x", "", false},   // regexp db
			{"xfulldb_re_x", "t", false}, // regexps are not anchored
			{"db", "table_skip", true},   // literal table must match whole
			{"db", "table", false},
			{"db", "TABLE", false},
			{"db2", "table", false},
			{"db2", "my_table_2", false}, // unanchored regexp table
			{"db2", "tbl", true},
			{"other", "table", true},
			{"db", "", false}, // schema-level DDL of a do-table's schema
			{"other", "", true},
		}},
		{"ignore db wins over do table", Rules{DoDBs: doDBs, DoTables: doTables, IgnoreDBs: []string{"db2"}}, []skipCase{
			{"Fulldb", "t1", false},
			{"db", "table_skip", true},
			{"db2", "table", true},
			{"DB2", "", true},
		}},
		{"ignore table", Rules{IgnoreTables: []TableName{{"ignore", "ignore"}, {"~^log_", "~^tmp"}}}, []skipCase{
			{"ignore", "ignore", true},
			{"IGNORE", "Ignore", true},
			{"ignore", "ignore2", false},
			{"not_ignore", "not_ignore", false},
			{"log_1", "tmp_x", true},
			{"log_1", "x_tmp", false},
			{"ignore", "", false}, // an ignored table does not drop its schema
		}},
		{"ignore schemas", Rules{IgnoreDBs: DefaultIgnoreSchemas}, []skipCase{
			{"mysql", "user", true},
			{"information_schema", "tables", true},
			{"PERFORMANCE_SCHEMA", "", true},
			{"test", "t", false},
		}},
		{"literal names are not regexps", Rules{DoDBs: []string{"a.b", "c$"}}, []skipCase{
			{"a.b", "t", false},
			{"axb", "t", true},
			{"c$", "t", false},
			{"c", "t", true},
		}},
		{"case sensitive", Rules{CaseSensitive: true, DoDBs: []string{"Db", "~^Re"}, IgnoreTables: []TableName{{"Db", "T"}}}, []skipCase{
			{"Db", "t", false},
			{"db", "t", true},
			{"Db", "T", true},
			{"Rex", "t", false},
			{"rex", "t", true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkSkips(t, mustFilter(t, tt.rules), tt.cases) })
	}
}

func TestFilterNilAndErrors(t *testing.T) {
	var f *Filter
	require.False(t, f.SkipSchemaAndTable("mysql", "user"))
	_, err := New(Rules{DoDBs: []string{"~("}})
	require.ErrorContains(t, err, "replicate-do-db")
	_, err = New(Rules{IgnoreTables: []TableName{{"a", "~[z-a]"}}})
	require.Error(t, err)
}

func TestIsSystemSchema(t *testing.T) {
	for _, s := range []string{"mysql", "MySQL", "INFORMATION_SCHEMA", "performance_schema", "metrics_schema"} {
		require.True(t, IsSystemSchema(s), s)
	}
	for _, s := range []string{"test", "mysql2", "sys_x", ""} {
		require.False(t, IsSystemSchema(s), s)
	}
}
