package codec

import (
	"encoding/binary"
	"encoding/json"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// encodeRowV2 builds a row in format v2 from flattened values (test helper,
// following rowcodec's layout).
func encodeRowV2(t testing.TB, ids []int64, vals []Datum, large bool) []byte {
	type col struct {
		id  int64
		val Datum
	}
	var notNull, null []col
	for i, id := range ids {
		if vals[i].IsNull() {
			null = append(null, col{id, vals[i]})
		} else {
			notNull = append(notNull, col{id, vals[i]})
		}
	}
	sort.Slice(notNull, func(i, j int) bool { return notNull[i].id < notNull[j].id })
	sort.Slice(null, func(i, j int) bool { return null[i].id < null[j].id })
	var data []byte
	var offsets []int
	for _, c := range notNull {
		data = appendV2Value(t, data, c.val)
		offsets = append(offsets, len(data))
	}
	flag := byte(0)
	if large {
		flag = 1
	}
	b := []byte{RowFormatV2, flag}
	b = binary.LittleEndian.AppendUint16(b, uint16(len(notNull)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(null)))
	for _, c := range append(append([]col{}, notNull...), null...) {
		if large {
			b = binary.LittleEndian.AppendUint32(b, uint32(c.id))
		} else {
			b = append(b, byte(c.id))
		}
	}
	for _, off := range offsets {
		if large {
			b = binary.LittleEndian.AppendUint32(b, uint32(off))
		} else {
			b = binary.LittleEndian.AppendUint16(b, uint16(off))
		}
	}
	return append(b, data...)
}

func appendV2Value(t testing.TB, b []byte, d Datum) []byte {
	switch d.Kind() {
	case KindInt64:
		v := d.GetInt64()
		switch {
		case int64(int8(v)) == v:
			return append(b, byte(v))
		case int64(int16(v)) == v:
			return binary.LittleEndian.AppendUint16(b, uint16(v))
		case int64(int32(v)) == v:
			return binary.LittleEndian.AppendUint32(b, uint32(v))
		}
		return binary.LittleEndian.AppendUint64(b, uint64(v))
	case KindUint64:
		v := d.GetUint64()
		switch {
		case v <= 0xff:
			return append(b, byte(v))
		case v <= 0xffff:
			return binary.LittleEndian.AppendUint16(b, uint16(v))
		case v <= 0xffffffff:
			return binary.LittleEndian.AppendUint32(b, uint32(v))
		}
		return binary.LittleEndian.AppendUint64(b, v)
	case KindFloat64:
		return EncodeFloat(b, d.GetFloat64())
	case KindBytes:
		return append(b, d.GetBytes()...)
	case KindMysqlDecimal:
		out, err := EncodeDecimal(b, d.GetDecimal(), d.Length(), d.Frac())
		require.NoError(t, err)
		return out
	case KindMysqlJSON:
		return append(append(b, d.GetJSON().TypeCode), d.GetJSON().Value...)
	}
	t.Fatalf("kind %s", d.Kind())
	return nil
}

// TestRowFormatV2 decodes every golden row rebuilt in format v2 and expects
// the same values as from the old format.
func TestRowFormatV2(t *testing.T) {
	var f struct {
		Examples []goldenExample `json:"examples"`
	}
	readGolden(t, "rows.json", &f)
	tables := goldenTables(t)
	n := 0
	for _, ex := range f.Examples {
		for _, b := range ex.Binlogs {
			for _, m := range b.Mutations {
				tbl := tables[m.TableName]
				for _, r := range m.Deleted {
					old, err := DecodeOldRow(unhex(t, r.RowHex))
					require.NoError(t, err)
					var ids []int64
					var vals []Datum
					for _, c := range old {
						if c.ID > 0 {
							ids = append(ids, c.ID)
							vals = append(vals, c.Value)
						}
					}
					for _, large := range []bool{false, true} {
						v2 := encodeRowV2(t, ids, vals, large)
						got, err := DecodeRow(append(v2, 0xAB, 0xCD), FieldTypesOf(tbl)) // trailing checksum ignored
						require.NoError(t, err)
						require.Equal(t, sortedByID(old[:len(ids)]), sortedByID(got))
					}
					n++
				}
			}
		}
	}
	require.Equal(t, 7, n)

	_, err := DecodeRow([]byte{RowFormatV2, 0, 0, 0, 0, 0}, nil)
	require.ErrorIs(t, err, ErrNeedColumnTypes)
	skip := func(int64) *model.FieldType { return nil }
	got, err := DecodeRow(encodeRowV2(t, []int64{1, 2}, []Datum{NewIntDatum(1), {}}, false), skip)
	require.NoError(t, err)
	require.Empty(t, got)
}

func sortedByID(cols []ColumnValue) []ColumnValue {
	out := append([]ColumnValue(nil), cols...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func TestDecodeOldRowShapes(t *testing.T) {
	cols, err := DecodeOldRow(nil)
	require.NoError(t, err)
	require.Empty(t, cols)
	cols, err = DecodeOldRow([]byte{NilFlag})
	require.NoError(t, err)
	require.Empty(t, cols)
	_, err = DecodeOldRow(unhexT("0802"))
	require.ErrorIs(t, err, ErrInsufficientData)
	_, err = DecodeOldRow(unhexT("02026108"))
	require.ErrorIs(t, err, ErrCorrupted)
	_, err = DecodeRow(unhexT("080208"), nil)
	require.ErrorIs(t, err, ErrInsufficientData)
	row, err := EncodeOldRow(nil, []int64{1, 2}, []Datum{NewIntDatum(5), NewStringDatum("x", "utf8mb4_bin")}, time.UTC)
	require.NoError(t, err)
	cols, err = DecodeRow(row, nil)
	require.NoError(t, err)
	m := RowMap(cols)
	require.Equal(t, int64(5), m[1].GetInt64())
	require.Equal(t, "x", m[2].GetString())
}

func TestColumnDefaults(t *testing.T) {
	col := func(js string) *model.ColumnInfo {
		var c model.ColumnInfo
		require.NoError(t, json.Unmarshal([]byte(js), &c))
		return &c
	}
	east8 := time.FixedZone("+08", 8*3600)
	cases := []struct {
		js   string
		kind Kind
		want string
	}{
		{`{"id":1,"origin_default":"42","type":{"Tp":3,"Flen":11}}`, KindInt64, "42"},
		{`{"id":1,"origin_default":"42","type":{"Tp":3,"Flag":32,"Flen":10}}`, KindUint64, "42"},
		{`{"id":1,"origin_default":1.5,"type":{"Tp":246,"Flen":10,"Decimal":2}}`, KindMysqlDecimal, "1.50"},
		{`{"id":1,"origin_default":"2.5","type":{"Tp":4}}`, KindFloat32, "2.5"},
		{`{"id":1,"origin_default":"2024-01-01 00:00:00","type":{"Tp":7}}`, KindMysqlTime, "2024-01-01 08:00:00"},
		{`{"id":1,"origin_default":"2024-01-01 00:00:00.5","type":{"Tp":12,"Decimal":1}}`, KindMysqlTime, "2024-01-01 00:00:00.5"},
		{`{"id":1,"origin_default":"12:00:00","type":{"Tp":11}}`, KindMysqlDuration, "12:00:00"},
		{`{"id":1,"origin_default":"B","type":{"Tp":247,"Elems":["a","b"]}}`, KindMysqlEnum, "b"},
		{`{"id":1,"origin_default":"b,a","type":{"Tp":248,"Elems":["a","b"]}}`, KindMysqlSet, "a,b"},
		{`{"id":1,"origin_default":"abc","type":{"Tp":15,"Collate":"utf8mb4_bin"}}`, KindString, "abc"},
		{`{"id":1,"origin_default":"[1]","type":{"Tp":245}}`, KindMysqlJSON, "[1]"},
		{`{"id":1,"origin_default_bit":"AQ==","origin_default":"\u0001","type":{"Tp":16,"Flen":10}}`, KindMysqlBit, "\x00\x01"},
		{`{"id":1,"type":{"Tp":3}}`, KindNull, "NULL"},
		{`{"id":1,"type":{"Tp":247,"Flag":1,"Elems":["x","y"]}}`, KindMysqlEnum, "x"},
		{`{"id":1,"type":{"Tp":3,"Flag":1}}`, KindInt64, "0"},
		{`{"id":1,"type":{"Tp":12,"Flag":1,"Decimal":2}}`, KindMysqlTime, "0000-00-00 00:00:00.00"},
		{`{"id":1,"type":{"Tp":246,"Flag":1,"Flen":10,"Decimal":2}}`, KindMysqlDecimal, "0.00"},
		{`{"id":1,"type":{"Tp":15,"Flag":1}}`, KindString, ""},
		{`{"id":1,"type":{"Tp":245,"Flag":1}}`, KindMysqlJSON, "null"},
		{`{"id":1,"type":{"Tp":16,"Flag":1,"Flen":9}}`, KindMysqlBit, "\x00\x00"},
		{`{"id":1,"type":{"Tp":5,"Flag":1}}`, KindFloat64, "0"},
		{`{"id":1,"type":{"Tp":11,"Flag":1}}`, KindMysqlDuration, "00:00:00"},
		{`{"id":1,"type":{"Tp":248,"Flag":1}}`, KindMysqlSet, ""},
	}
	for _, c := range cases {
		d, err := ColumnDefaultDatum(col(c.js), east8)
		require.NoError(t, err, c.js)
		require.Equal(t, c.kind, d.Kind(), c.js)
		require.Equal(t, c.want, d.String(), c.js)
		if !d.IsNull() {
			_, err = EncodeOldRow(nil, []int64{1}, []Datum{d}, east8)
			require.NoError(t, err, c.js)
		}
	}
	for _, js := range []string{
		`{"id":1,"origin_default":"x","type":{"Tp":3}}`,
		`{"id":1,"origin_default":"z","type":{"Tp":247,"Elems":["a"]}}`,
		`{"id":1,"origin_default":"2024-13-01","type":{"Tp":10}}`,
		`{"id":1,"origin_default":"{","type":{"Tp":245}}`,
	} {
		_, err := ColumnDefaultDatum(col(js), time.UTC)
		require.Error(t, err, js)
	}
}

func TestUnflattenMismatch(t *testing.T) {
	_, err := Unflatten(NewBytesDatum([]byte("x")), &model.FieldType{Tp: model.TypeDatetime}, time.UTC)
	require.ErrorIs(t, err, ErrCorrupted)
	_, err = Unflatten(NewIntDatum(1), &model.FieldType{Tp: model.TypeFloat}, time.UTC)
	require.ErrorIs(t, err, ErrCorrupted)
	_, err = Unflatten(NewUintDatum(8), &model.FieldType{Tp: model.TypeSet, Elems: []string{"a"}}, time.UTC)
	require.ErrorIs(t, err, ErrOverflow)
	e, err := Unflatten(NewUintDatum(9), &model.FieldType{Tp: model.TypeEnum, Elems: []string{"a"}}, time.UTC)
	require.NoError(t, err)
	require.Equal(t, Enum{}, e.GetEnum())
	d, err := Unflatten(NewUintDatum(1<<63|1<<40), &model.FieldType{Tp: model.TypeDatetime}, time.UTC)
	require.Error(t, err)
	require.Equal(t, KindUint64, d.Kind())
	dur, err := Unflatten(NewDurationDatum(Duration{Duration: time.Second, Fsp: 6}), &model.FieldType{Tp: model.TypeDuration, Decimal: 2}, time.UTC)
	require.NoError(t, err)
	require.Equal(t, "00:00:01.00", dur.String())
	same, err := Unflatten(NewIntDatum(3), nil, time.UTC)
	require.NoError(t, err)
	require.Equal(t, NewIntDatum(3), same)
}

func goldenRowSeeds(t testing.TB) [][]byte {
	var f struct {
		Examples []goldenExample `json:"examples"`
	}
	readGolden(t, "rows.json", &f)
	var seeds [][]byte
	for _, ex := range f.Examples {
		for _, b := range ex.Binlogs {
			for _, m := range b.Mutations {
				for _, rows := range [][]goldenRow{m.Inserted, m.Updated, m.Deleted} {
					for _, r := range rows {
						seeds = append(seeds, unhex(t, r.RowHex))
					}
				}
			}
		}
	}
	return seeds
}

func FuzzDecodeOne(f *testing.F) {
	var cv struct {
		Entries []struct {
			Value string `json:"encode_value_hex"`
			Key   string `json:"encode_key_hex"`
		} `json:"entries"`
	}
	readGolden(f, "codec_values.json", &cv)
	for _, e := range cv.Entries {
		f.Add(unhex(f, e.Value))
		f.Add(unhex(f, e.Key))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rest, d, err := DecodeOne(b)
		data, cutRest, cutErr := CutOne(b)
		if err != nil {
			return
		}
		require.NoError(t, cutErr)
		require.Equal(t, len(rest), len(cutRest))
		require.Equal(t, len(b)-len(rest), len(data))
		_ = d.String()
		if _, err := EncodeValue(nil, d); err != nil {
			require.ErrorIs(t, err, ErrOverflow) // a decimal header wider than its digits
		}
		_, err = EncodeKey(nil, d)
		_ = err
	})
}

func FuzzDecodeRow(f *testing.F) {
	for _, s := range goldenRowSeeds(f) {
		f.Add(s)
	}
	f.Add([]byte{RowFormatV2, 0, 2, 0, 1, 0, 1, 2, 3, 1, 0, 9, 0, 7, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{RowFormatV2, 1, 1, 0, 0, 0, 5, 0, 0, 0, 2, 0, 0, 0, 'h', 'i'})
	tables := goldenTables(f)
	types := FieldTypesOf(tables["t_all"])
	f.Fuzz(func(t *testing.T, b []byte) {
		cols, err := DecodeRow(b, types)
		if err != nil {
			return
		}
		for _, c := range cols {
			if ft := types(c.ID); ft != nil {
				if u, err := Unflatten(c.Value, ft, time.UTC); err == nil {
					_ = u.String()
				}
			}
		}
		if len(b) > 0 && b[0] != RowFormatV2 && b[0] != NilFlag {
			ids := make([]int64, len(cols))
			vals := make([]Datum, len(cols))
			for i, c := range cols {
				ids[i], vals[i] = c.ID, c.Value
			}
			again, err := EncodeOldRow(nil, ids, vals, time.UTC)
			if err == nil {
				back, err := DecodeOldRow(again)
				require.NoError(t, err)
				require.Len(t, back, len(cols))
			}
		}
	})
}

func FuzzDecodeKey(f *testing.F) {
	var k struct {
		Keys []struct {
			KeyHex    string `json:"key_hex"`
			RegionHex string `json:"memcomparable_region_key_hex"`
		} `json:"keys"`
	}
	readGolden(f, "keys.json", &k)
	for _, key := range k.Keys {
		f.Add(unhex(f, key.KeyHex))
		f.Add(unhex(f, key.RegionHex))
	}
	f.Fuzz(func(t *testing.T, key []byte) {
		if tableID, h, err := DecodeRowKey(key); err == nil {
			require.Equal(t, key, EncodeRowKey(tableID, h))
			if _, err := h.Data(); err != nil {
				t.Fatalf("handle data: %v", err)
			}
		}
		if tableID, indexID, vals, err := DecodeIndexKey(key); err == nil {
			require.Equal(t, tableID, DecodeTableID(key))
			_ = indexID
			_ = vals
		}
		if rest, raw, err := DecodeBytes(key, nil); err == nil {
			require.Equal(t, key[:len(key)-len(rest)], EncodeBytes(nil, raw))
		}
	})
}
