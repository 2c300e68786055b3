package reparo

import (
	"context"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// goldenTableColumns are the columns compared per golden table, as SELECT
// expressions rendering each value as text.
var goldenTableColumns = map[string][]string{
	"t_all": {"id", "c_int", "c_uint", "c_float", "c_double", "c_dec", "c_char", "c_blob", "c_date", "c_dt", "c_ts",
		"c_time", "c_year", "c_enum", "c_set", "c_bit", "c_json"},
	"t_nopk":  {"a", "b"},
	"t_ch":    {"name", "age"},
	"t_ch_ci": {"name", "age"},
	"t_ch2":   {"a", "b", "v"},
}

func selectExpr(c string) string {
	switch c {
	case "c_blob":
		return "HEX(`c_blob`)"
	case "c_bit", "c_enum", "c_set":
		return "`" + c + "`+0"
	}
	return "`" + c + "`"
}

// goldenText renders a golden Go value as MariaDB prints the stored value.
func goldenText(column string, v goldenValue) string {
	if v.GoType == "nil" {
		return "NULL"
	}
	text := v.Value
	if v.Hex != "" {
		b, _ := hex.DecodeString(v.Hex)
		text = string(b)
	}
	if column == "c_blob" {
		return strings.ToUpper(hex.EncodeToString([]byte(text)))
	}
	return text
}

// goldenTables replays the drainer's MySQL-sink transactions up to stop:
// the expected rows of each table, rendered as text.
func goldenTables(g *goldenFile, stop int64) map[string][][]string {
	rows := map[string][]map[string]string{}
	render := func(m map[string]goldenValue) map[string]string {
		out := map[string]string{}
		for c, v := range m {
			out[c] = goldenText(c, v)
		}
		return out
	}
	find := func(table string, key map[string]string) int {
		return slices.IndexFunc(rows[table], func(r map[string]string) bool {
			for _, c := range goldenTableColumns[table] {
				if r[c] != key[c] {
					return false
				}
			}
			return true
		})
	}
	for _, b := range g.DMLBinlogs {
		if b.CommitTS > stop {
			break
		}
		for _, d := range b.DMLs {
			switch d.Tp {
			case "Insert(1)":
				rows[d.Table] = append(rows[d.Table], render(d.Values))
			case "Delete(3)":
				i := find(d.Table, render(d.Values))
				rows[d.Table] = slices.Delete(rows[d.Table], i, i+1)
			case "Update(2)":
				rows[d.Table][find(d.Table, render(d.OldValues))] = render(d.Values)
			}
		}
	}
	out := map[string][][]string{}
	for table, cols := range goldenTableColumns {
		out[table] = [][]string{}
		for _, r := range rows[table] {
			var line []string
			for _, c := range cols {
				line = append(line, r[c])
			}
			out[table] = append(out[table], line)
		}
		slices.SortFunc(out[table], func(a, b []string) int { return strings.Compare(strings.Join(a, "\x00"), strings.Join(b, "\x00")) })
	}
	return out
}

// renamedGoldenBinlogs returns every golden file-sink binlog in commit-ts
// order with the database goldendb renamed to schema.
func renamedGoldenBinlogs(t *testing.T, g *goldenFile, schema string) []*filepb.Binlog {
	var out []*filepb.Binlog
	for _, d := range g.DDLBinlogs {
		b := unhexBinlog(t, d.PBHex)
		b.DdlQuery = []byte(strings.ReplaceAll(string(b.DdlQuery), "`goldendb`", "`"+schema+"`"))
		out = append(out, b)
	}
	for _, d := range g.DMLBinlogs {
		b := unhexBinlog(t, d.PBHex)
		for _, ev := range b.GetDmlData().GetEvents() {
			*ev.SchemaName = schema
		}
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b *filepb.Binlog) int { return int(a.GetCommitTs() - b.GetCommitTs()) })
	return out
}

// TestGoldenRestoreIntoMySQL restores the original drainer's file-sink
// output of the golden TiDB run into MariaDB, up to the TRUNCATE, and
// compares every table with the rows the drainer's MySQL sink wrote: every
// column type of t_all (strings, blobs, dates, times, timestamps, decimals,
// JSON, enum, set, bit, unsigned, NULL), a table without a key, clustered
// and composite keys, DDLs in between.
func TestGoldenRestoreIntoMySQL(t *testing.T) {
	g := loadGolden(t)
	db, schema := testDB(t)
	var truncateTS int64
	for _, d := range g.DDLBinlogs {
		if strings.Contains(d.Query, "TRUNCATE") {
			truncateTS = d.CommitTS
		}
	}
	require.NotZero(t, truncateTS)
	dir := t.TempDir()
	writeFiles(t, dir, 0, renamedGoldenBinlogs(t, g, schema)...)
	st, err := mysqlRun(context.Background(), t, dir, func(c *Config) { c.StopTSO = truncateTS - 1; c.Resume = false },
		Deps{Location: time.UTC}) // the golden drainer ran in UTC
	require.NoError(t, err)
	require.Equal(t, int64(len(g.DMLBinlogs)+1+5+4), st.Binlogs, "27 DMLs, CREATE DATABASE, 5 CREATE TABLEs, 4 ALTERs")

	want := goldenTables(g, truncateTS-1)
	for table, cols := range goldenTableColumns {
		exprs := make([]string, len(cols))
		for i, c := range cols {
			exprs[i] = selectExpr(c)
		}
		got := queryRows(t, db, "SELECT "+strings.Join(exprs, ", ")+" FROM `"+schema+"`.`"+table+"`")
		slices.SortFunc(got, func(a, b []string) int { return strings.Compare(strings.Join(a, "\x00"), strings.Join(b, "\x00")) })
		require.Equal(t, want[table], got, table)
	}
	require.NotEmpty(t, want["t_all"])
}
