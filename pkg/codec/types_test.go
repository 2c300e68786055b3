package codec

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

func TestTimePacking(t *testing.T) {
	cases := []struct {
		in     string
		tp     byte
		fsp    int
		packed uint64
		str    string
	}{
		{"2024-02-29", model.TypeDate, 0, 1851746905965461504, "2024-02-29"},
		{"2024-02-29 13:45:59.123456", model.TypeDatetime, 6, 1851747848627020352, "2024-02-29 13:45:59.123456"},
		{"2024-02-29T13:45:59.1234", model.TypeTimestamp, 3, 1851747848627019896, "2024-02-29 13:45:59.123"},
		{"0000-00-00 00:00:00", model.TypeDatetime, 2, 0, "0000-00-00 00:00:00.00"},
		{"9999-12-31 23:59:59.999999", model.TypeDatetime, 6, 9147936188962652735, "9999-12-31 23:59:59.999999"},
		{"2024-02-29 23:59:59.9996", model.TypeDatetime, 3, 0, "2024-03-01 00:00:00.000"},
		{"2024-02-29 13:45:59", model.TypeDate, 0, 1851746905965461504, "2024-02-29"},
	}
	for _, c := range cases {
		tm, err := ParseTime(c.in, c.tp, c.fsp)
		require.NoError(t, err, c.in)
		require.Equal(t, c.str, tm.String())
		p, err := tm.ToPackedUint()
		require.NoError(t, err)
		if c.packed != 0 || tm.IsZero() {
			require.Equal(t, c.packed, p, c.in)
		}
		require.Equal(t, tm, TimeFromPackedUint(p, c.tp, c.fsp))
	}
	for _, bad := range []string{"", "2024-02", "2024-02-xx", "2024-13-01", "2024-01-01 25:00:00", "2024-01-01 1:2", "2024-01-01 10:00:00.x"} {
		_, err := ParseTime(bad, model.TypeDatetime, 0)
		require.ErrorIs(t, err, ErrInvalidTime, bad)
	}
	_, err := Time{Year: 10000}.ToPackedUint()
	require.ErrorIs(t, err, ErrInvalidTime)
}

func TestTimeZones(t *testing.T) {
	east8 := time.FixedZone("+08", 8*3600)
	tm, err := ParseTime("2024-02-29 05:45:59.123", model.TypeTimestamp, 3)
	require.NoError(t, err)
	require.Equal(t, "2024-02-29 13:45:59.123", tm.ConvertTimeZone(time.UTC, east8).String())
	zero := Time{Type: model.TypeTimestamp}
	require.Equal(t, zero, zero.ConvertTimeZone(time.UTC, east8))
	invalid := Time{Year: 2024, Month: 2, Day: 30, Type: model.TypeTimestamp}
	require.Equal(t, invalid, invalid.ConvertTimeZone(time.UTC, east8))
	_, err = invalid.GoTime(time.UTC)
	require.ErrorIs(t, err, ErrInvalidTime)
	gt, err := tm.GoTime(nil)
	require.NoError(t, err)
	require.Equal(t, tm, TimeFromGoTime(gt, model.TypeTimestamp, 3))

	d := NewTimeDatum(tm)
	flat, err := Flatten(d, east8)
	require.NoError(t, err)
	u, err := Unflatten(flat, &model.FieldType{Tp: model.TypeTimestamp, Decimal: 3}, east8)
	require.NoError(t, err)
	require.Equal(t, tm.String(), u.String())
	utc, err := Unflatten(flat, &model.FieldType{Tp: model.TypeTimestamp, Decimal: 3}, time.UTC)
	require.NoError(t, err)
	require.Equal(t, "2024-02-28 21:45:59.123", utc.String())
}

func TestDuration(t *testing.T) {
	cases := []struct {
		in   string
		fsp  int
		ns   int64
		text string
	}{
		{"12:34:56.78", 2, 45296780000000, "12:34:56.78"},
		{"-00:00:01", 2, -1000000000, "-00:00:01.00"},
		{"838:59:59", 0, 3020399000000000, "838:59:59"},
		{"-838:59:59", 0, -3020399000000000, "-838:59:59"},
		{"1 02:00:00", 0, 26 * 3600 * 1e9, "26:00:00"},
		{"10:30", 0, (10*3600 + 30*60) * 1e9, "10:30:00"},
		{"45", 0, 45e9, "00:00:45"},
		{"00:00:00.0000015", 6, 2000, "00:00:00.000002"},
	}
	for _, c := range cases {
		d, err := ParseDuration(c.in, c.fsp)
		require.NoError(t, err, c.in)
		require.Equal(t, c.ns, int64(d.Duration), c.in)
		require.Equal(t, c.text, d.String())
	}
	for _, bad := range []string{"", "x", "1:60:00", "839:00:00", "1:2:3:4", "99 00:00:00", "00:00:00.x"} {
		_, err := ParseDuration(bad, 0)
		require.Error(t, err, bad)
	}
	require.Equal(t, "-2562047:47:16.854775", Duration{Duration: -1 << 63, Fsp: 6}.String())
}

func TestEnumSetBit(t *testing.T) {
	elems := []string{"a", "b", "c"}
	e, err := ParseEnumValue(elems, 2)
	require.NoError(t, err)
	require.Equal(t, Enum{Name: "b", Value: 2}, e)
	_, err = ParseEnumValue(elems, 0)
	require.ErrorIs(t, err, ErrOverflow)
	e, err = ParseEnumName(elems, "C")
	require.NoError(t, err)
	require.Equal(t, uint64(3), e.Value)
	e, err = ParseEnumName(elems, "1")
	require.NoError(t, err)
	require.Equal(t, "a", e.String())
	_, err = ParseEnumName(elems, "z")
	require.Error(t, err)

	set, err := ParseSetValue([]string{"x", "y", "z"}, 5)
	require.NoError(t, err)
	require.Equal(t, "x,z", set.String())
	_, err = ParseSetValue([]string{"x"}, 2)
	require.ErrorIs(t, err, ErrOverflow)
	set, err = ParseSetName([]string{"x", "y", "z"}, "Z,x")
	require.NoError(t, err)
	require.Equal(t, Set{Name: "x,z", Value: 5}, set)
	set, err = ParseSetName([]string{"x", "y"}, "")
	require.NoError(t, err)
	require.Equal(t, Set{}, set)

	require.Equal(t, BinaryLiteral{0x02, 0xaa}, NewBinaryLiteralFromUint(682, 2))
	require.Equal(t, BinaryLiteral{0x02, 0xaa}, NewBinaryLiteralFromUint(682, -1))
	require.Equal(t, BinaryLiteral{0}, NewBinaryLiteralFromUint(0, 0))
	require.Equal(t, "0x02aa", NewBinaryLiteralFromUint(682, 2).String())
	v, err := BinaryLiteral{0, 0, 1, 2, 3, 4, 5, 6, 7, 8}.ToUint64()
	require.NoError(t, err)
	require.Equal(t, uint64(0x0102030405060708), v)
	_, err = BinaryLiteral{1, 2, 3, 4, 5, 6, 7, 8, 9}.ToUint64()
	require.ErrorIs(t, err, ErrOverflow)
}

func TestDatumStrings(t *testing.T) {
	j, err := ParseBinaryJSON(`{"k":"v"}`)
	require.NoError(t, err)
	dec, err := ParseDecimal("-1.50")
	require.NoError(t, err)
	cases := []struct {
		d    Datum
		kind string
		want string
	}{
		{NewNullDatum(), "null", "NULL"},
		{NewIntDatum(-7), "bigint", "-7"},
		{NewUintDatum(18446744073709551615), "unsigned bigint", "18446744073709551615"},
		{NewFloat32Datum(3.14159), "float", "3.14159"},
		{NewFloat64Datum(1e21), "double", "1000000000000000000000"},
		{NewStringDatum("héllo", "utf8mb4_bin"), "char", "héllo"},
		{NewBytesDatum([]byte{'a'}), "bytes", "a"},
		{NewDecimalDatum(dec), "decimal", "-1.50"},
		{NewDurationDatum(Duration{Duration: time.Second, Fsp: 1}), "time", "00:00:01.0"},
		{NewEnumDatum(Enum{Name: "b", Value: 2}), "enum", "b"},
		{NewSetDatum(Set{Name: "x,z", Value: 5}), "set", "x,z"},
		{NewBitDatum(BinaryLiteral("AB")), "bit", "AB"},
		{NewJSONDatum(j), "json", `{"k": "v"}`},
		{NewMaxValueDatum(), "max_value", "MaxValue"},
		{NewMinNotNullDatum(), "min_not_null", "MinNotNull"},
	}
	for _, c := range cases {
		require.Equal(t, c.kind, c.d.Kind().String())
		require.Equal(t, c.want, c.d.String())
	}
	require.Equal(t, "utf8mb4_bin", cases[5].d.Collation())
	require.Equal(t, "", cases[6].d.Collation())
	require.Equal(t, "kind(99)", Kind(99).String())
	require.Equal(t, Time{}, NewTimeDatum(Time{Year: -1}).GetTime())
}

func TestEncodeErrors(t *testing.T) {
	_, err := EncodeValue(nil, NewBitDatum(BinaryLiteral{1, 2, 3, 4, 5, 6, 7, 8, 9}))
	require.ErrorIs(t, err, ErrOverflow)
	_, err = EncodeValue(nil, NewJSONDatum(BinaryJSON{TypeCode: 0x42}))
	require.ErrorIs(t, err, ErrInvalidJSON)
	_, err = EncodeValue(nil, Datum{kind: Kind(99)})
	require.ErrorIs(t, err, ErrUnsupportedKind)
	big, _ := ParseDecimal("123")
	_, err = EncodeValue(nil, NewDecimalDatumWithLength(big, 3, 2))
	require.ErrorIs(t, err, ErrOverflow)
	_, err = EncodeOldRow(nil, []int64{1}, nil, time.UTC)
	require.Error(t, err)
	b, err := EncodeOldRow(nil, nil, nil, time.UTC)
	require.NoError(t, err)
	require.Equal(t, []byte{NilFlag}, b)
	b, err = EncodeValue(nil, NewMinNotNullDatum(), NewMaxValueDatum())
	require.NoError(t, err)
	require.Equal(t, "01fa", hex.EncodeToString(b))
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct {
		hex string
		err error
	}{
		{"", ErrInsufficientData},
		{"03000000", ErrInsufficientData},
		{"08", ErrInsufficientData},
		{"08ffffffffffffffffffff01", ErrOverflow},
		{"0206", ErrInsufficientData},
		{"0201", ErrCorrupted},
		{"01616263", ErrInsufficientData},
		{"016100000000000000f6", ErrCorrupted},
		{"016101000000000000f8", ErrCorrupted},
		{"06", ErrInsufficientData},
		{"060201", ErrInsufficientData},
		{"06ff0080", ErrBadNumber},
		{"0a", ErrInsufficientData},
		{"0a42", ErrInvalidJSON},
		{"0a0403", ErrInvalidJSON},
		{"0a01ffffffff08000000", ErrInvalidJSON},
		{"0b", ErrInvalidFlag},
	}
	for _, c := range cases {
		_, _, err := DecodeOne(unhexT(c.hex))
		require.ErrorIs(t, err, c.err, c.hex)
		_, _, cutErr := CutOne(unhexT(c.hex))
		if c.err == ErrInsufficientData || c.err == ErrInvalidFlag {
			require.Error(t, cutErr, c.hex)
		}
	}
}

func unhexT(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
