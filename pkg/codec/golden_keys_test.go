package codec

import (
	"encoding/hex"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGoldenKeys(t *testing.T) {
	var f struct {
		Keys []struct {
			Name      string `json:"name"`
			KeyHex    string `json:"key_hex"`
			RegionHex string `json:"memcomparable_region_key_hex"`
		} `json:"keys"`
	}
	readGolden(t, "keys.json", &f)
	const tid = 70
	mustIndex := func(indexID int64, vals []Datum, h Handle, unique bool) []byte {
		k, err := EncodeIndexKey(tid, indexID, vals, h, unique)
		require.NoError(t, err)
		return k
	}
	mustCommon := func(ds ...Datum) Handle {
		h, err := CommonHandleFromDatums(ds...)
		require.NoError(t, err)
		return h
	}
	abc := mustCommon(NewStringDatum("abc", "utf8mb4_bin"))
	seek, err := EncodeKey(nil, NewIntDatum(5))
	require.NoError(t, err)
	uniq := mustIndex(1, []Datum{NewIntDatum(5)}, IntHandle(1), true)
	temp, err := TempIndexKey(uniq)
	require.NoError(t, err)
	build := [][]byte{
		EncodeTablePrefix(tid),
		EncodeRecordPrefix(tid),
		EncodeIndexPrefix(tid),
		EncodeTableIndexPrefix(tid, 1),
		EncodeRowKeyWithIntHandle(tid, 1),
		EncodeRowKey(tid, IntHandle(-1)),
		EncodeRowKey(tid, IntHandle(0)),
		EncodeRowKey(tid, IntHandle(math.MaxInt64)),
		EncodeRowKey(tid, IntHandle(math.MinInt64)),
		EncodeRowKey(tid, IntHandle(12345)),
		EncodeRowKey(tid, abc),
		EncodeRowKey(tid, mustCommon(NewStringDatum("AbC ", "utf8mb4_general_ci"), NewIntDatum(5))),
		uniq,
		mustIndex(2, []Datum{NewIntDatum(5)}, IntHandle(1), false),
		mustIndex(1, []Datum{NewNullDatum()}, IntHandle(7), true),
		mustIndex(2, []Datum{NewIntDatum(-5)}, IntHandle(-1), false),
		mustIndex(3, []Datum{NewStringDatum("hello", "utf8mb4_bin")}, IntHandle(42), false),
		mustIndex(4, []Datum{NewIntDatum(5), NewStringDatum("ab", "utf8mb4_bin")}, IntHandle(42), false),
		mustIndex(2, []Datum{NewIntDatum(5)}, abc, false),
		EncodeIndexSeekKey(tid, 1, seek),
		temp,
	}
	require.Len(t, f.Keys, len(build))
	for i, k := range f.Keys {
		require.Equal(t, k.KeyHex, strings.ToUpper(hex.EncodeToString(build[i])), k.Name)
		require.Equal(t, k.RegionHex, strings.ToUpper(hex.EncodeToString(EncodeBytes(nil, build[i]))), k.Name)
		rest, raw, err := DecodeBytes(unhex(t, k.RegionHex), nil)
		require.NoError(t, err)
		require.Empty(t, rest)
		require.Equal(t, build[i], raw)
		if len(build[i]) > 9 {
			require.Equal(t, int64(tid), DecodeTableID(build[i]))
		}
	}

	// Row keys decode back to their handles.
	for _, h := range []Handle{IntHandle(12345), IntHandle(math.MinInt64), abc} {
		tableID, got, err := DecodeRowKey(EncodeRowKey(tid, h))
		require.NoError(t, err)
		require.Equal(t, int64(tid), tableID)
		require.Equal(t, h.String(), got.String())
		require.Equal(t, h.IsInt(), got.IsInt())
	}
	tableID, indexID, vals, err := DecodeIndexKey(build[17])
	require.NoError(t, err)
	require.Equal(t, int64(tid), tableID)
	require.Equal(t, int64(4), indexID)
	require.Equal(t, []Datum{NewIntDatum(5), NewBytesDatum([]byte("ab")), NewIntDatum(42)}, vals)
	_, indexID, _, err = DecodeIndexKey(temp)
	require.NoError(t, err)
	require.Equal(t, int64(1|tempIndexPrefix), indexID)
	require.True(t, IsIndexKey(uniq))
	require.False(t, IsRecordKey(uniq))
	_, _, err = DecodeRowKey(uniq)
	require.ErrorIs(t, err, ErrInvalidKey)
}

func TestGoldenMetaKeys(t *testing.T) {
	var f struct {
		Jobs []struct {
			JobID   int64  `json:"job_id"`
			KeyHex  string `json:"meta_history_key_hex"`
			Binlogs []struct {
				Fields struct {
					PrewriteKeyHex string `json:"prewrite_key_hex"`
				} `json:"fields"`
			} `json:"ddl_binlogs"`
		} `json:"jobs"`
	}
	readGolden(t, "ddl_jobs.json", &f)
	for _, j := range f.Jobs {
		require.Equal(t, j.KeyHex, hex.EncodeToString(MetaDDLJobHistoryKey(j.JobID)))
	}
	// DROP COLUMN on t_all (table 86 in schema 84): the DDL binlog's prewrite key.
	require.Equal(t, f.Jobs[7].Binlogs[0].Fields.PrewriteKeyHex, hex.EncodeToString(MetaTableKey(84, 86)))
}
