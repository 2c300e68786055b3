package codec

import (
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

type goldenColumn struct {
	ColID     int64       `json:"col_id"`
	ColName   string      `json:"col_name"`
	ColIDHex  string      `json:"col_id_hex"`
	ValueHex  string      `json:"value_hex"`
	Flattened goldenDatum `json:"flattened_datum"`
	Unflat    *string     `json:"unflattened_string_utc"`
	UnflatHex *string     `json:"unflattened_hex"`
}

type goldenRow struct {
	RowHex       string `json:"row_hex"`
	HandlePrefix string `json:"handle_prefix_hex"`
	HandleDatums []struct {
		PieceHex string      `json:"piece_hex"`
		Datum    goldenDatum `json:"datum"`
	} `json:"handle_datums"`
	OldRowHex string         `json:"old_row_hex"`
	NewRowHex string         `json:"new_row_hex"`
	Columns   []goldenColumn `json:"columns"`
	Old       []goldenColumn `json:"old"`
	New       []goldenColumn `json:"new"`
	Reencoded bool           `json:"reencoded_by_tidb_matches"`
}

type goldenExample struct {
	Name    string `json:"name"`
	Binlogs []struct {
		Mutations []struct {
			TableName string      `json:"table_name"`
			Inserted  []goldenRow `json:"inserted_rows"`
			Updated   []goldenRow `json:"updated_rows"`
			Deleted   []goldenRow `json:"deleted_rows"`
		} `json:"table_mutations"`
	} `json:"binlogs"`
}

// goldenTables returns the tables of the golden run as TiDB described them in
// their DDL jobs (t_all after ADD COLUMN c_new).
func goldenTables(t testing.TB) map[string]*model.TableInfo {
	var f struct {
		Jobs []struct {
			Meta string `json:"meta_history_value_exact"`
		} `json:"jobs"`
	}
	readGolden(t, "ddl_jobs.json", &f)
	tables := map[string]*model.TableInfo{}
	for _, j := range f.Jobs {
		var job model.Job
		require.NoError(t, json.Unmarshal([]byte(j.Meta), &job))
		if job.ID > 96 || job.BinlogInfo.TableInfo == nil {
			continue
		}
		tables[job.BinlogInfo.TableInfo.Name.L] = job.BinlogInfo.TableInfo
	}
	require.Len(t, tables, 5)
	require.Len(t, tables["t_all"].Columns, 18)
	return tables
}

func TestGoldenRows(t *testing.T) {
	var f struct {
		Examples []goldenExample `json:"examples"`
	}
	readGolden(t, "rows.json", &f)
	require.Len(t, f.Examples, 23)
	tables := goldenTables(t)
	rows := 0
	for _, ex := range f.Examples {
		t.Run(ex.Name, func(t *testing.T) {
			for _, b := range ex.Binlogs {
				for _, m := range b.Mutations {
					tbl := tables[m.TableName]
					require.NotNil(t, tbl)
					for _, r := range m.Inserted {
						checkInsertedRow(t, tbl, r)
						rows++
					}
					for _, r := range m.Updated {
						checkUpdatedRow(t, tbl, r)
						rows++
					}
					for _, r := range m.Deleted {
						cols := checkColumns(t, tbl, unhex(t, r.RowHex), r.Columns)
						requireReencoded(t, r.RowHex, nil, cols, time.UTC)
						rows++
					}
				}
			}
		})
	}
	require.Equal(t, 26, rows)
}

func checkInsertedRow(t *testing.T, tbl *model.TableInfo, r goldenRow) {
	require.True(t, r.Reencoded)
	row := unhex(t, r.RowHex)
	handle, rest, err := DecodeN(row, len(r.HandleDatums))
	require.NoError(t, err)
	require.Equal(t, r.HandlePrefix, hex.EncodeToString(row[:len(row)-len(rest)]))
	for i, hd := range r.HandleDatums {
		require.Equal(t, hd.Datum.datum(t), handle[i])
		piece, err := EncodeValue(nil, handle[i])
		require.NoError(t, err)
		require.Equal(t, hd.PieceHex, hex.EncodeToString(piece))
	}
	cols := checkColumns(t, tbl, rest, r.Columns)
	requireReencoded(t, r.RowHex, handle, cols, time.UTC)
	if tbl.IsCommonHandle && len(tbl.HandleColumns()) == 1 {
		// tidb-lite's path: the handle prefix from the PK value and its collation.
		pk := tbl.HandleColumns()[0]
		v := RowMap(cols)[pk.ID]
		u, err := Unflatten(v, &pk.FieldType, time.UTC)
		require.NoError(t, err)
		h, err := CommonHandleFromDatums(u)
		require.NoError(t, err)
		data, err := h.Data()
		require.NoError(t, err)
		prefix, err := EncodeValue(nil, data...)
		require.NoError(t, err)
		require.Equal(t, r.HandlePrefix, hex.EncodeToString(prefix))
	}
}

func checkUpdatedRow(t *testing.T, tbl *model.TableInfo, r goldenRow) {
	require.Equal(t, r.OldRowHex+r.NewRowHex, r.RowHex)
	all := checkColumns(t, tbl, unhex(t, r.RowHex), append(append([]goldenColumn{}, r.Old...), r.New...))
	oldCols, newCols := all[:len(r.Old)], all[len(r.Old):]
	requireReencoded(t, r.OldRowHex, nil, oldCols, time.UTC)
	requireReencoded(t, r.NewRowHex, nil, newCols, time.UTC)
}

// checkColumns decodes an old-format row, compares every piece with the
// golden columns and returns the unflattened values.
func checkColumns(t *testing.T, tbl *model.TableInfo, row []byte, want []goldenColumn) []ColumnValue {
	t.Helper()
	cols, err := DecodeRow(row, FieldTypesOf(tbl))
	require.NoError(t, err)
	require.Len(t, cols, len(want))
	for i, w := range want {
		c := cols[i]
		require.Equal(t, w.ColID, c.ID)
		idEnc, err := EncodeValue(nil, NewIntDatum(c.ID))
		require.NoError(t, err)
		require.Equal(t, w.ColIDHex, hex.EncodeToString(idEnc))
		val, err := EncodeValue(nil, c.Value)
		require.NoError(t, err)
		require.Equal(t, w.ValueHex, hex.EncodeToString(val), "column %s", w.ColName)
		require.Equal(t, w.Flattened.datum(t), c.Value, "column %s", w.ColName)
		col := tbl.FindColumnByID(c.ID)
		if col == nil {
			require.Equal(t, model.ExtraHandleID, c.ID)
			continue
		}
		u, err := Unflatten(c.Value, &col.FieldType, time.UTC)
		require.NoError(t, err)
		switch {
		case w.Unflat != nil:
			require.Equal(t, *w.Unflat, u.String(), "column %s", w.ColName)
		case w.UnflatHex != nil:
			require.Equal(t, *w.UnflatHex, hex.EncodeToString(u.GetBytes()), "column %s", w.ColName)
		default:
			require.True(t, u.IsNull(), "column %s", w.ColName)
		}
		cols[i].Value = u
	}
	return cols
}

// requireReencoded rebuilds a row from unflattened values the way TiDB does
// (EncodeValue(handle) ++ EncodeOldRow) and compares it with the golden bytes.
func requireReencoded(t *testing.T, wantHex string, handle []Datum, cols []ColumnValue, loc *time.Location) {
	t.Helper()
	b, err := EncodeValue(nil, handle...)
	require.NoError(t, err)
	ids := make([]int64, len(cols))
	vals := make([]Datum, len(cols))
	for i, c := range cols {
		ids[i], vals[i] = c.ID, c.Value
	}
	b, err = EncodeOldRow(b, ids, vals, loc)
	require.NoError(t, err)
	require.Equal(t, wantHex, hex.EncodeToString(b))
}

func TestGoldenRowTimeZone(t *testing.T) {
	var f struct {
		Examples []goldenExample `json:"examples"`
	}
	readGolden(t, "rows.json", &f)
	tbl := goldenTables(t)["t_all"]
	ex := f.Examples[7]
	require.Equal(t, "insert_timezone_+08", ex.Name)
	r := ex.Binlogs[0].Mutations[0].Inserted[0]
	row := unhex(t, r.RowHex)
	handle, rest, err := DecodeN(row, 1)
	require.NoError(t, err)
	cols, err := DecodeRow(rest, FieldTypesOf(tbl))
	require.NoError(t, err)
	east8 := time.FixedZone("+08:00", 8*3600)
	require.NoError(t, UnflattenRow(cols, FieldTypesOf(tbl), east8))
	got := map[int64]string{}
	for _, c := range cols {
		got[c.ID] = c.Value.String()
	}
	// The session wrote these values in +08:00.
	require.Equal(t, "2024-02-29 13:45:59.123", got[11])
	require.Equal(t, "2024-02-29 13:45:59.123456", got[10])
	require.Equal(t, "2024-02-29", got[9])
	requireReencoded(t, r.RowHex, handle, cols, east8)
}
