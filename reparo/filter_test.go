package reparo

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

func TestTableFilterRules(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
		skip map[[2]string]bool
	}{
		{"no rules keep everything", Config{}, map[[2]string]bool{{"a", "t"}: false, {"b", ""}: false}},
		{"do-db", Config{DoDBs: []string{"a", "~^re"}}, map[[2]string]bool{
			{"a", "t"}: false, {"A", "T"}: false, {"rex", "t"}: false, {"b", "t"}: true, {"b", ""}: true}},
		{"do-table", Config{DoTables: []TableName{{Schema: "a", Table: "t"}, {Schema: "b", Table: "~^x"}}}, map[[2]string]bool{
			{"a", "t"}: false, {"a", "u"}: true, {"b", "xy"}: false, {"b", "y"}: true, {"c", ""}: true}},
		{"ignore", Config{IgnoreDBs: []string{"mysql"}, IgnoreTables: []TableName{{Schema: "a", Table: "~^tmp_"}}}, map[[2]string]bool{
			{"mysql", "user"}: true, {"MySQL", ""}: true, {"a", "tmp_1"}: true, {"a", "t"}: false}},
		{"do then ignore", Config{DoDBs: []string{"a"}, IgnoreTables: []TableName{{Schema: "a", Table: "secret"}}}, map[[2]string]bool{
			{"a", "t"}: false, {"a", "secret"}: true, {"b", "t"}: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := newTableFilter(&c.cfg)
			require.NoError(t, err)
			for st, want := range c.skip {
				require.Equal(t, want, f.SkipSchemaAndTable(st[0], st[1]), "%s.%s", st[0], st[1])
			}
		})
	}
}

func TestTableFilterBadRegexp(t *testing.T) {
	_, err := newTableFilter(&Config{DoDBs: []string{"~("}})
	require.ErrorIs(t, err, ErrInvalidConfig)
}

func TestFilterBinlog(t *testing.T) {
	f, err := newTableFilter(&Config{IgnoreTables: []TableName{{Schema: "db", Table: "skip"}}})
	require.NoError(t, err)
	b := dmlBinlog(tso(1), event(t, "db", "skip", filepb.EventType_Insert, intCol("a", 1)),
		event(t, "db", "keep", filepb.EventType_Insert, intCol("a", 2)))
	keep, err := filterBinlog(f, b)
	require.NoError(t, err)
	require.True(t, keep)
	require.Len(t, b.GetDmlData().GetEvents(), 1)
	require.Equal(t, "keep", b.GetDmlData().GetEvents()[0].GetTableName())

	keep, err = filterBinlog(f, dmlBinlog(tso(2), event(t, "db", "skip", filepb.EventType_Delete, intCol("a", 1))))
	require.NoError(t, err)
	require.False(t, keep, "no event left")

	keep, err = filterBinlog(f, ddlBinlog(tso(3), "use `db`; ALTER TABLE `skip` ADD COLUMN b INT;"))
	require.NoError(t, err)
	require.False(t, keep)
	keep, err = filterBinlog(f, ddlBinlog(tso(3), "use `db`; ALTER TABLE `keep` ADD COLUMN b INT;"))
	require.NoError(t, err)
	require.True(t, keep)

	_, err = filterBinlog(f, ddlBinlog(tso(4), "ALTER TABLE x ADD COLUMN b INT;"))
	require.ErrorIs(t, err, ErrBadDDL)
}
