package codec

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseDecimal(t *testing.T) {
	cases := []struct{ in, want string }{
		{"0", "0"},
		{"-0", "0"},
		{"-0.000", "0.000"},
		{"007.50", "7.50"},
		{"+1.5", "1.5"},
		{".5", "0.5"},
		{"5.", "5"},
		{" -123.450 ", "-123.450"},
		{"1.5e3", "1500"},
		{"1.2345e2", "123.45"},
		{"12e-3", "0.012"},
		{"-1E-1", "-0.1"},
		{"99999999999999999999.99", "99999999999999999999.99"},
	}
	for _, c := range cases {
		d, err := ParseDecimal(c.in)
		require.NoError(t, err, c.in)
		require.Equal(t, c.want, d.String(), c.in)
	}
	for _, bad := range []string{"", "-", ".", "1.2.3", "abc", "1e", "1e999", "--1", "1 2", "0x10"} {
		_, err := ParseDecimal(bad)
		require.ErrorIs(t, err, ErrBadNumber, bad)
	}
	_, err := ParseDecimal("1" + string(make([]byte, 0)) + "0000000000000000000000000000000000000000000000000000000000000000000000000000000000")
	require.ErrorIs(t, err, ErrOverflow)
}

func TestDecimalOps(t *testing.T) {
	must := func(s string) Decimal {
		d, err := ParseDecimal(s)
		require.NoError(t, err)
		return d
	}
	require.Equal(t, "1.50", must("1.499").Round(2).String())
	require.Equal(t, "1.5", must("1.45").Round(1).String())
	require.Equal(t, "-1.5", must("-1.45").Round(1).String())
	require.Equal(t, "10", must("9.5").Round(0).String())
	require.Equal(t, "1.500", must("1.5").Round(3).String())
	require.Equal(t, "0", must("-0.4").Round(0).String())
	require.False(t, must("-0.4").Round(0).IsNegative())
	require.Equal(t, -1, must("-2").Compare(must("1")))
	require.Equal(t, 1, must("10.1").Compare(must("9.99")))
	require.Equal(t, 0, must("1.10").Compare(must("1.1")))
	require.Equal(t, 1, must("-1").Compare(must("-1.5")))
	require.Equal(t, 0, must("0.00").Compare(Decimal{}))
	require.Equal(t, "-9223372036854775808", NewDecimalFromInt(-9223372036854775808).String())
	require.Equal(t, "18446744073709551615", NewDecimalFromUint(18446744073709551615).String())
	f, err := NewDecimalFromFloat(0.1)
	require.NoError(t, err)
	require.Equal(t, "0.1", f.String())
	require.InDelta(t, 0.1, f.Float64(), 1e-15)
	p, fr := must("0.000").PrecisionAndFrac()
	require.Equal(t, []int{3, 3}, []int{p, fr})
	require.True(t, must("0.000").IsZero())
}

func TestDecimalBin(t *testing.T) {
	cases := []struct {
		in              string
		precision, frac int
		hex             string
	}{
		{"1234567890.1234", 14, 4, "810dfb38d204d2"},
		{"-1234567890.1234", 14, 4, "7ef204c72dfb2d"},
		{"0", 1, 0, "80"},
		{"1.5", 2, 1, "8105"},
		{"-0.0001", 4, 4, "7ffe"},
		{"123456789.123456", 20, 6, "800000075bcd1501e240"},
		{"123456789.1234567", 20, 6, "800000075bcd1501e240"}, // truncated, as TiDB
		{"0.000000001", 9, 9, "80000001"},
	}
	for _, c := range cases {
		d, err := ParseDecimal(c.in)
		require.NoError(t, err)
		b, err := d.WriteBin(nil, c.precision, c.frac)
		require.NoError(t, err, c.in)
		require.Equal(t, c.hex, hex.EncodeToString(b), c.in)
		require.Len(t, b, DecimalBinSize(c.precision, c.frac))
		back, n, err := DecimalFromBin(append(b, 0xAA), c.precision, c.frac)
		require.NoError(t, err)
		require.Equal(t, len(b), n)
		again, err := back.WriteBin(nil, c.precision, c.frac)
		require.NoError(t, err)
		require.Equal(t, b, again)
	}
	d, _ := ParseDecimal("12345")
	_, err := d.WriteBin(nil, 5, 2)
	require.ErrorIs(t, err, ErrOverflow)
	_, err = d.WriteBin(nil, 0, 0)
	require.ErrorIs(t, err, ErrBadNumber)
	_, _, err = DecimalFromBin([]byte{0x80}, 10, 2)
	require.ErrorIs(t, err, ErrInsufficientData)
	_, _, err = DecimalFromBin([]byte{0x80 | 0x3b, 0x9a, 0xca, 0x00}, 9, 0) // 1e9 does not fit 9 digits
	require.ErrorIs(t, err, ErrCorrupted)
	_, _, err = DecimalFromBin([]byte{0x80, 0}, 2, 3)
	require.ErrorIs(t, err, ErrBadNumber)
}

func FuzzDecimalFromBin(f *testing.F) {
	f.Add([]byte{0x80}, uint8(1), uint8(0))
	f.Add([]byte{0x81, 0x05}, uint8(2), uint8(1))
	f.Add([]byte{0x80, 0, 0, 0x07, 0x5b, 0xcd, 0x15, 0x01, 0xe2, 0x40}, uint8(20), uint8(6))
	f.Add([]byte{0x7e, 0x79, 0x60, 0xc4, 0x65, 0x36, 0x00, 0xf0, 0xbd, 0xc0}, uint8(20), uint8(6))
	f.Fuzz(func(t *testing.T, b []byte, precision, frac uint8) {
		d, n, err := DecimalFromBin(b, int(precision), int(frac))
		if err != nil {
			return
		}
		out, err := d.WriteBin(nil, int(precision), int(frac))
		require.NoError(t, err)
		// Negative zero is normalised, everything else round-trips.
		if !d.IsZero() {
			require.Equal(t, b[:n], out)
		}
		again, err := ParseDecimal(d.String())
		require.NoError(t, err)
		require.Equal(t, 0, again.Compare(d))
	})
}

func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"0", "-1.5", "1e3", "123456789.123456789", ".5", "1.2e-5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDecimal(s)
		if err != nil {
			return
		}
		again, err := ParseDecimal(d.String())
		require.NoError(t, err)
		require.Equal(t, d.String(), again.String())
		p, fr := d.PrecisionAndFrac()
		if fr <= MaxDecimalScale {
			b, err := d.WriteBin(nil, p, fr)
			require.NoError(t, err)
			back, _, err := DecimalFromBin(b, p, fr)
			require.NoError(t, err)
			require.Equal(t, d.String(), back.String())
		}
	})
}
