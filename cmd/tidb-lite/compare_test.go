package main

import (
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// Rows are compared in a canonical text form per column type, built both
// from decoded datums and from what the MySQL protocol returns.

const nullText = "<NULL>"

// canonDatum renders a decoded (unflattened) datum.
func canonDatum(t *testing.T, ft *model.FieldType, d codec.Datum) string {
	t.Helper()
	if d.IsNull() {
		return nullText
	}
	switch {
	case ft.Tp == model.TypeFloat:
		return strconv.FormatFloat(float64(d.GetFloat32()), 'g', -1, 32)
	case ft.Tp == model.TypeDouble:
		return strconv.FormatFloat(d.GetFloat64(), 'g', -1, 64)
	case ft.Tp == model.TypeNewDecimal:
		return d.GetDecimal().String()
	case model.IsTypeTime(ft.Tp):
		return d.GetTime().String()
	case ft.Tp == model.TypeDuration:
		return d.GetDuration().String()
	case ft.Tp == model.TypeEnum:
		return d.GetEnum().Name
	case ft.Tp == model.TypeSet:
		return d.GetSet().Name
	case ft.Tp == model.TypeBit:
		v, err := d.GetBinaryLiteral().ToUint64()
		require.NoError(t, err)
		return strconv.FormatUint(v, 10)
	case ft.Tp == model.TypeJSON:
		return canonJSON(t, d.GetJSON().String())
	case model.IsTypeInteger(ft.Tp):
		if ft.IsUnsigned() && ft.Tp != model.TypeYear {
			return strconv.FormatUint(d.GetUint64(), 10)
		}
		return strconv.FormatInt(d.GetInt64(), 10)
	}
	return string(d.GetBytes())
}

// canonText renders a column value as the text protocol returned it.
func canonText(t *testing.T, ft *model.FieldType, v []byte) string {
	t.Helper()
	if v == nil {
		return nullText
	}
	s := string(v)
	switch {
	case ft.Tp == model.TypeFloat:
		f, err := strconv.ParseFloat(s, 32)
		require.NoError(t, err)
		return strconv.FormatFloat(float64(float32(f)), 'g', -1, 32)
	case ft.Tp == model.TypeDouble:
		f, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		return strconv.FormatFloat(f, 'g', -1, 64)
	case ft.Tp == model.TypeNewDecimal:
		d, err := codec.ParseDecimal(s)
		require.NoError(t, err)
		return d.Round(ft.Decimal).String()
	case model.IsTypeTime(ft.Tp):
		tm, err := codec.ParseTime(s, ft.Tp, ft.Fsp())
		require.NoError(t, err, s)
		return tm.String()
	case ft.Tp == model.TypeDuration:
		d, err := codec.ParseDuration(s, ft.Fsp())
		require.NoError(t, err, s)
		return d.String()
	case ft.Tp == model.TypeBit:
		var b [8]byte
		copy(b[8-len(v):], v)
		return strconv.FormatUint(binary.BigEndian.Uint64(b[:]), 10)
	case ft.Tp == model.TypeJSON:
		return canonJSON(t, s)
	}
	return s
}

func canonJSON(t *testing.T, s string) string {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v), s)
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// canonRow renders the columns a row has, by column id.
func canonRow(t *testing.T, info *model.TableInfo, row map[int64]codec.Datum) string {
	t.Helper()
	var cells []string
	for _, col := range info.Columns {
		if d, ok := row[col.ID]; ok {
			cells = append(cells, col.Name.O+"="+canonDatum(t, &col.FieldType, d))
		}
	}
	return strings.Join(cells, " | ")
}

// canonReplicaRows renders every row of a replica table, sorted.
func canonReplicaRows(t *testing.T, tb *replicaTable) []string {
	t.Helper()
	out := []string{}
	for _, row := range tb.rows {
		cells := make([]string, len(tb.info.Columns))
		for i, col := range tb.info.Columns {
			d, ok := row[col.ID]
			require.True(t, ok, "column %s missing in a row of %s", col.Name.O, tb.info.Name.O)
			cells[i] = canonDatum(t, &col.FieldType, d)
		}
		out = append(out, strings.Join(cells, " | "))
	}
	sort.Strings(out)
	return out
}

// canonSQLRows renders every row the server returns for a table, sorted.
func canonSQLRows(t *testing.T, db *sql.DB, schema string, info *model.TableInfo) []string {
	t.Helper()
	rows, err := db.Query("SELECT * FROM `" + schema + "`.`" + info.Name.O + "`")
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	require.Len(t, cols, len(info.Columns), "columns of %s", info.Name.O)
	out := []string{}
	for rows.Next() {
		raw := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		cells := make([]string, len(cols))
		for i, col := range info.Columns {
			var v []byte
			if raw[i] != nil {
				v = append([]byte{}, raw[i]...)
			}
			cells[i] = canonText(t, &col.FieldType, v)
		}
		out = append(out, strings.Join(cells, " | "))
	}
	require.NoError(t, rows.Err())
	sort.Strings(out)
	return out
}

// requireReplicaMatches checks that every table the replica holds has
// exactly the rows the server returns, and that the replica holds exactly
// the tables named.
func requireReplicaMatches(t *testing.T, r *replica, db *sql.DB, schema string, tables ...string) {
	t.Helper()
	var names []string
	for _, tb := range r.tables {
		if r.dbs[tb.schemaID] == schema {
			names = append(names, tb.info.Name.L)
		}
	}
	sort.Strings(names)
	want := append([]string(nil), tables...)
	sort.Strings(want)
	require.Equal(t, want, names, "tables of %s", schema)
	for _, name := range tables {
		tb := r.table(schema, name)
		require.Equal(t, canonSQLRows(t, db, schema, tb.info), canonReplicaRows(t, tb), "rows of %s.%s", schema, name)
	}
}
