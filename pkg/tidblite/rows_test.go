package tidblite

import (
	"context"
	"encoding/hex"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/go-mysql-server/sql/types"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// t_all column offsets.
const (
	cID = iota
	cInt
	cUint
	cFloat
	cDouble
	cDec
	cChar
	cBlob
	cDate
	cDt
	cTs
	cTime
	cYear
	cEnum
	cSet
	cBit
	cJSON
	cNew // after ADD COLUMN c_new
)

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func jsonDoc(t *testing.T, text string) types.JSONDocument {
	t.Helper()
	v, _, err := types.JSON.Convert(context.Background(), text)
	require.NoError(t, err)
	return v.(types.JSONDocument)
}

// allRow builds an engine row of t_all with the given values set.
func allRow(n int, vals map[int]any) sql.Row {
	r := make(sql.Row, n)
	for i, v := range vals {
		r[i] = v
	}
	return r
}

func with(r sql.Row, vals map[int]any) sql.Row {
	c := r.Copy()
	for i, v := range vals {
		c[i] = v
	}
	return c
}

// goldenRowEvents replays the SQL of rows.json as the engine's row events.
func goldenRowEvents(t *testing.T) map[string][]rowEvent {
	t.Helper()
	utc8 := time.FixedZone("+08:00", 8*3600)
	full := allRow(17, map[int]any{
		cID: int64(1), cInt: int32(-123), cUint: uint32(4000000000), cFloat: float32(3.14159),
		cDouble: 2.718281828459045, cDec: decimal.RequireFromString("123456789.123456"), cChar: "hello",
		cBlob: []byte{0x00, 0xff, 0x41}, cDate: day(2024, 2, 29),
		cDt: time.Date(2024, 2, 29, 13, 45, 59, 123456000, time.UTC), cTs: time.Date(2024, 2, 29, 13, 45, 59, 123000000, time.UTC),
		cTime: types.Timespan(45296780000), cYear: int16(2024), cEnum: uint16(2), cSet: uint64(5), cBit: uint64(0x2aa),
		cJSON: jsonDoc(t, `{"a":1,"b":[true,null]}`),
	})
	updated := with(full, map[int]any{cInt: int32(-122), cChar: "world", cJSON: jsonDoc(t, `{"k":"v"}`), cDec: decimal.RequireFromString("0.5")})
	nulled := with(updated, map[int]any{cDt: nil, cJSON: nil, cBit: nil})
	two := allRow(17, map[int]any{cID: int64(2)})
	twoSet := with(two, map[int]any{cInt: int32(7), cEnum: uint16(1)})
	extremes := allRow(17, map[int]any{
		cID: int64(math.MaxInt64), cInt: int32(math.MinInt32), cUint: uint32(math.MaxUint32), cFloat: float32(-1.5),
		cDouble: 1e-300, cDec: decimal.RequireFromString("-99999999999999.999999"), cChar: "中文ü€ 0123456789abcdefg",
		cBlob: []byte{}, cDate: day(1000, 1, 1), cDt: time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
		cTs: time.Date(1970, 1, 1, 0, 0, 1, 0, time.UTC), cTime: types.Timespan(-3020399000000), cYear: int16(1901),
		cEnum: uint16(3), cSet: uint64(0), cBit: uint64(1023), cJSON: jsonDoc(t, `[1,"a"]`),
	})
	tz := allRow(17, map[int]any{
		cID: int64(4), cDate: day(2024, 2, 29), cDt: time.Date(2024, 2, 29, 13, 45, 59, 123456000, time.UTC),
		cTs: time.Date(2024, 2, 29, 13, 45, 59, 123000000, time.UTC), cTime: types.Timespan(-1000000),
	})
	zero := allRow(17, map[int]any{cID: int64(5), cDate: engineZeroTime, cDt: engineZeroTime, cTs: engineZeroTime})
	ev := func(kind eventKind, table string, old, new sql.Row) rowEvent {
		return rowEvent{kind: kind, db: "goldendb", table: table, old: old, new: new, loc: time.UTC}
	}
	tzEvent := ev(evInsert, "t_all", nil, tz)
	tzEvent.loc = utc8
	return map[string][]rowEvent{
		"insert_full_row":         {ev(evInsert, "t_all", nil, full)},
		"insert_all_null":         {ev(evInsert, "t_all", nil, two)},
		"insert_extremes":         {ev(evInsert, "t_all", nil, extremes)},
		"update_values":           {ev(evUpdate, "t_all", full, updated)},
		"update_from_nulls":       {ev(evUpdate, "t_all", two, twoSet)},
		"update_to_nulls":         {ev(evUpdate, "t_all", updated, nulled)},
		"update_pk_handle":        {ev(evUpdate, "t_all", extremes, with(extremes, map[int]any{cID: int64(3)}))},
		"insert_timezone_+08":     {tzEvent},
		"insert_zero_dates":       {ev(evInsert, "t_all", nil, zero)},
		"delete_row":              {ev(evDelete, "t_all", nulled, nil)},
		"delete_row_with_nulls":   {ev(evDelete, "t_all", twoSet, nil)},
		"nopk_insert":             {ev(evInsert, "t_nopk", nil, sql.Row{int32(1), "x"}), ev(evInsert, "t_nopk", nil, sql.Row{nil, "y"})},
		"nopk_update":             {ev(evUpdate, "t_nopk", sql.Row{int32(1), "x"}, sql.Row{int32(1), "z"})},
		"nopk_delete":             {ev(evDelete, "t_nopk", sql.Row{int32(1), "z"}, nil)},
		"insert_after_add_column": {ev(evInsert, "t_all", nil, allRow(18, map[int]any{cID: int64(20), cInt: int32(1), cNew: int32(42)}))},
	}
}

// goldenCatalog holds goldendb with t_all (as created, or after ADD COLUMN)
// and t_nopk, with TiDB's own table infos.
func goldenCatalog(t *testing.T, afterAddColumn bool) *catalog {
	t.Helper()
	cat := newCatalog()
	cat.apply(goldenJobByName(t, "create schema"))
	if afterAddColumn {
		cat.apply(goldenJobByName(t, "add column"))
	} else {
		cat.apply(goldenJobByName(t, "create table t_all"))
	}
	cat.apply(goldenJobByName(t, "create table t_nopk (no primary key => _tidb_rowid handle)"))
	return cat
}

func TestRowsMatchGolden(t *testing.T) {
	examples := loadGoldenExamples(t)
	events := goldenRowEvents(t)
	order := []string{"insert_full_row", "insert_all_null", "insert_extremes", "update_values", "update_from_nulls",
		"update_to_nulls", "update_pk_handle", "insert_timezone_+08", "insert_zero_dates", "delete_row",
		"delete_row_with_nulls", "nopk_insert", "nopk_update", "nopk_delete", "insert_after_add_column"}
	cat := goldenCatalog(t, false)
	ids := newRowIDs(newMemMeta()) // shared: nopk handles carry over between examples
	for _, name := range order {
		t.Run(name, func(t *testing.T) {
			if name == "insert_after_add_column" {
				cat = goldenCatalog(t, true)
			}
			b := newMutationBuilder(cat, ids)
			for _, ev := range events[name] {
				require.NoError(t, b.add(context.Background(), ev))
			}
			want := examples[name].Binlogs[0]
			require.Equal(t, want.PrewriteKeyHex, hex.EncodeToString(b.primary))
			require.Len(t, b.muts, 1)
			requireMutation(t, want.Mutations[0], b.muts[0])
		})
	}
}

func requireMutation(t *testing.T, want goldenMutation, got *binlogpb.TableMutation) {
	t.Helper()
	require.Equal(t, want.TableID, got.GetTableId())
	hexes := func(rows [][]byte) []string {
		out := []string{}
		for _, r := range rows {
			out = append(out, hex.EncodeToString(r))
		}
		return out
	}
	wantHexes := func(rows []goldenRow) []string {
		out := []string{}
		for _, r := range rows {
			out = append(out, r.RowHex)
		}
		return out
	}
	require.Equal(t, wantHexes(want.InsertedRows), hexes(got.InsertedRows), "inserted rows")
	require.Equal(t, wantHexes(want.UpdatedRows), hexes(got.UpdatedRows), "updated rows")
	require.Equal(t, wantHexes(want.DeletedRows), hexes(got.DeletedRows), "deleted rows")
	var seq []string
	for _, s := range got.Sequence {
		seq = append(seq, fmt.Sprintf("%s(%d)", s, int32(s)))
	}
	require.Equal(t, want.Sequence, seq)
}

func TestUnchangedUpdateWritesNothing(t *testing.T) {
	cat := goldenCatalog(t, false)
	b := newMutationBuilder(cat, newRowIDs(newMemMeta()))
	row := allRow(17, map[int]any{cID: int64(9), cInt: int32(1)})
	require.NoError(t, b.add(context.Background(), rowEvent{kind: evUpdate, db: "goldendb", table: "t_all", old: row, new: row.Copy()}))
	require.True(t, b.empty())
}

func TestUnknownTableIgnored(t *testing.T) {
	b := newMutationBuilder(goldenCatalog(t, false), newRowIDs(newMemMeta()))
	require.NoError(t, b.add(context.Background(), rowEvent{kind: evInsert, db: "mysql", table: "user", new: sql.Row{int64(1)}}))
	require.True(t, b.empty())
}

func TestRollbackRestoresRowIDs(t *testing.T) {
	cat := goldenCatalog(t, false)
	ids := newRowIDs(newMemMeta())
	ctx := context.Background()
	ins := newMutationBuilder(cat, ids)
	require.NoError(t, ins.add(ctx, rowEvent{kind: evInsert, db: "goldendb", table: "t_nopk", new: sql.Row{int32(1), "x"}}))
	del := newMutationBuilder(cat, ids)
	require.NoError(t, del.add(ctx, rowEvent{kind: evDelete, db: "goldendb", table: "t_nopk", old: sql.Row{int32(1), "x"}}))
	del.rollback() // the delete failed: the row keeps handle 1
	again := newMutationBuilder(cat, ids)
	require.NoError(t, again.add(ctx, rowEvent{kind: evDelete, db: "goldendb", table: "t_nopk", old: sql.Row{int32(1), "x"}}))
	ti := cat.tables[88].info
	want, err := encodeFullRow(nil, ti, 1, sql.Row{int32(1), "x"}, time.UTC, false)
	require.NoError(t, err)
	require.Equal(t, want, again.muts[0].DeletedRows[0])
	require.Equal(t, model.StatePublic, ti.State)
}

func TestPrimaryKeyIsSmallestKey(t *testing.T) {
	cat := newCatalog()
	cat.apply(goldenJobByName(t, "create schema"))
	cat.apply(goldenJobByName(t, "add unique index")) // t_all with idx_int (1) and uk_char (2)
	ctx := context.Background()
	row := allRow(17, map[int]any{cID: int64(30), cInt: int32(5), cChar: "x"})

	b := newMutationBuilder(cat, newRowIDs(newMemMeta()))
	require.NoError(t, b.add(ctx, rowEvent{kind: evInsert, db: "goldendb", table: "t_all", new: row}))
	want, err := codec.EncodeIndexKey(86, 1, []codec.Datum{codec.NewIntDatum(5)}, codec.IntHandle(30), false)
	require.NoError(t, err)
	require.Equal(t, want, b.primary, "index keys sort before row keys")

	b = newMutationBuilder(cat, newRowIDs(newMemMeta()))
	changed := with(row, map[int]any{cJSON: jsonDoc(t, `{"a":2}`)})
	require.NoError(t, b.add(ctx, rowEvent{kind: evUpdate, db: "goldendb", table: "t_all", old: row, new: changed}))
	require.Equal(t, codec.EncodeRowKeyWithIntHandle(86, 30), b.primary, "unchanged indexes are not written")
}
