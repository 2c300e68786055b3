package codec

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

func readGolden(t testing.TB, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "golden", name))
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	require.NoError(t, dec.Decode(v))
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

type goldenDatum struct {
	Kind          string          `json:"kind"`
	KindCode      int             `json:"kind_code"`
	Value         json.RawMessage `json:"value"`
	Collation     string          `json:"collation"`
	DatumLength   int             `json:"datum_length"`
	DatumFrac     int             `json:"datum_frac"`
	Nanoseconds   string          `json:"nanoseconds"`
	Fsp           int             `json:"fsp"`
	TimeType      string          `json:"time_type"`
	PackedUint64  string          `json:"packed_uint64"`
	Name          *string         `json:"name"`
	BytesHex      string          `json:"bytes_hex"`
	TypeCode      int             `json:"type_code"`
	BinaryHex     string          `json:"binary_hex"`
	PrecisionFrac []int           `json:"PrecisionAndFrac"`
}

func (g goldenDatum) str(t testing.TB) string {
	var s string
	require.NoError(t, json.Unmarshal(g.Value, &s))
	return s
}

func (g goldenDatum) bytesValue(t testing.TB) []byte {
	var v struct {
		Hex string `json:"hex"`
	}
	require.NoError(t, json.Unmarshal(g.Value, &v))
	return unhex(t, v.Hex)
}

var timeTypes = map[string]byte{"date": model.TypeDate, "datetime": model.TypeDatetime, "timestamp": model.TypeTimestamp}

// datum builds the datum a golden entry describes.
func (g goldenDatum) datum(t testing.TB) Datum {
	switch g.Kind {
	case "null":
		return NewNullDatum()
	case "bigint":
		v, err := strconv.ParseInt(g.str(t), 10, 64)
		require.NoError(t, err)
		return NewIntDatum(v)
	case "unsigned bigint":
		v, err := strconv.ParseUint(g.str(t), 10, 64)
		require.NoError(t, err)
		return NewUintDatum(v)
	case "float":
		f, err := strconv.ParseFloat(g.str(t), 32)
		require.NoError(t, err)
		return NewFloat32Datum(float32(f))
	case "double":
		f, err := strconv.ParseFloat(g.str(t), 64)
		require.NoError(t, err)
		return NewFloat64Datum(f)
	case "bytes":
		return NewBytesDatum(g.bytesValue(t))
	case "char":
		return NewStringDatumFromBytes(g.bytesValue(t), g.Collation)
	case "decimal":
		dec, err := ParseDecimal(g.str(t))
		require.NoError(t, err)
		p, f := dec.PrecisionAndFrac()
		require.Equal(t, g.PrecisionFrac, []int{p, f})
		if g.DatumLength == 0 {
			return NewDecimalDatum(dec)
		}
		return NewDecimalDatumWithLength(dec, g.DatumLength, g.DatumFrac)
	case "time":
		ns, err := strconv.ParseInt(g.Nanoseconds, 10, 64)
		require.NoError(t, err)
		return NewDurationDatum(Duration{Duration: time.Duration(ns), Fsp: g.Fsp})
	case "datetime":
		tm, err := ParseTime(g.str(t), timeTypes[g.TimeType], g.Fsp)
		require.NoError(t, err)
		packed, err := tm.ToPackedUint()
		require.NoError(t, err)
		require.Equal(t, g.PackedUint64, strconv.FormatUint(packed, 10))
		return NewTimeDatum(tm)
	case "enum":
		v, err := strconv.ParseUint(g.str(t), 10, 64)
		require.NoError(t, err)
		return NewEnumDatum(Enum{Name: *g.Name, Value: v})
	case "set":
		v, err := strconv.ParseUint(g.str(t), 10, 64)
		require.NoError(t, err)
		return NewSetDatum(Set{Name: *g.Name, Value: v})
	case "bit":
		return NewBitDatum(unhex(t, g.BytesHex))
	case "json":
		j, err := ParseBinaryJSON(g.str(t))
		require.NoError(t, err)
		require.Equal(t, g.BinaryHex, hex.EncodeToString(j.Value))
		require.Equal(t, g.TypeCode, int(j.TypeCode))
		require.Equal(t, g.str(t), j.String())
		return NewJSONDatum(j)
	}
	t.Fatalf("unknown golden kind %q", g.Kind)
	return Datum{}
}

func TestGoldenCodecValues(t *testing.T) {
	var f struct {
		Entries []struct {
			Group      string      `json:"group"`
			Human      string      `json:"human"`
			Datum      goldenDatum `json:"datum"`
			Value      string      `json:"encode_value_hex"`
			Key        string      `json:"encode_key_hex"`
			TableCodec string      `json:"tablecodec_encode_value_hex"`
		} `json:"entries"`
		Flags map[string]int `json:"flags"`
	}
	readGolden(t, "codec_values.json", &f)
	require.Len(t, f.Entries, 111)
	require.Equal(t, int(MaxFlag), f.Flags["maxFlag"])
	require.Equal(t, int(JSONFlag), f.Flags["jsonFlag"])
	for _, e := range f.Entries {
		t.Run(e.Group+"/"+e.Human, func(t *testing.T) {
			d := e.Datum.datum(t)
			require.Equal(t, e.Datum.KindCode, int(d.Kind()))
			require.Equal(t, e.Datum.Kind, d.Kind().String())
			val, err := EncodeValue(nil, d)
			require.NoError(t, err)
			require.Equal(t, e.Value, hex.EncodeToString(val))
			key, err := EncodeKey(nil, d)
			require.NoError(t, err)
			require.Equal(t, e.Key, hex.EncodeToString(key))
			flat, err := Flatten(d, time.UTC)
			require.NoError(t, err)
			row, err := EncodeValue(nil, flat)
			require.NoError(t, err)
			require.Equal(t, e.TableCodec, hex.EncodeToString(row))
			for _, enc := range [][]byte{val, key, row} {
				assertDecodeRoundTrip(t, enc)
			}
		})
	}
}

// assertDecodeRoundTrip decodes enc and checks that re-encoding in the form
// its flag implies gives the same bytes and that CutOne agrees.
func assertDecodeRoundTrip(t *testing.T, enc []byte) {
	t.Helper()
	rest, d, err := DecodeOne(enc)
	require.NoError(t, err)
	require.Empty(t, rest)
	data, rest, err := CutOne(enc)
	require.NoError(t, err)
	require.Empty(t, rest)
	require.Equal(t, enc, data)
	comparable := enc[0] == IntFlag || enc[0] == UintFlag || enc[0] == BytesFlag
	var again []byte
	if comparable {
		again, err = EncodeKey(nil, d)
	} else {
		again, err = EncodeValue(nil, d)
	}
	require.NoError(t, err)
	require.Equal(t, enc, again)
}
