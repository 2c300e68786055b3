package codec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Limits of MySQL DECIMAL.
const (
	MaxDecimalWidth = 65 // maximum precision of a DECIMAL column
	MaxDecimalScale = 30 // maximum scale (frac) of a DECIMAL column
	// maxDecimalDigits bounds the digits a Decimal may hold (TiDB's MyDecimal
	// holds 9 words of 9 digits).
	maxDecimalDigits = 81
)

// Decimal is an exact decimal number with a fixed number of fraction digits,
// the counterpart of TiDB's MyDecimal. The zero value is 0. Decimal values are
// immutable; the fraction digits are part of the value ("1.50" has Frac 2) and
// are kept when printing, as MySQL does.
type Decimal struct {
	neg  bool
	intg string // integer digits without leading zeros, "" for 0
	frac string // exactly Frac() fraction digits
}

// ParseDecimal parses "[+-]digits[.digits][e[+-]exp]" (surrounding spaces
// allowed). The number of fraction digits is kept as written (after applying
// the exponent).
func ParseDecimal(s string) (Decimal, error) {
	str := strings.TrimSpace(s)
	var d Decimal
	if str != "" && (str[0] == '-' || str[0] == '+') {
		d.neg = str[0] == '-'
		str = str[1:]
	}
	mant, exp := str, 0
	if i := strings.IndexAny(str, "eE"); i >= 0 {
		e, err := strconv.Atoi(str[i+1:])
		if err != nil || e > maxDecimalDigits*2 || e < -maxDecimalDigits*2 {
			return Decimal{}, fmt.Errorf("parse decimal %q: %w", s, ErrBadNumber)
		}
		mant, exp = str[:i], e
	}
	intPart, fracPart, _ := strings.Cut(mant, ".")
	if intPart == "" && fracPart == "" || !allDigits(intPart) || !allDigits(fracPart) {
		return Decimal{}, fmt.Errorf("parse decimal %q: %w", s, ErrBadNumber)
	}
	intPart, fracPart = shiftPoint(intPart, fracPart, exp)
	if len(strings.TrimLeft(intPart, "0"))+len(fracPart) > maxDecimalDigits {
		return Decimal{}, fmt.Errorf("parse decimal %q: too many digits: %w", s, ErrOverflow)
	}
	d.intg, d.frac = intPart, fracPart
	return d.normalize(), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// shiftPoint moves the decimal point of intPart.fracPart by exp places.
func shiftPoint(intPart, fracPart string, exp int) (string, string) {
	switch {
	case exp > 0:
		if exp >= len(fracPart) {
			return intPart + fracPart + strings.Repeat("0", exp-len(fracPart)), ""
		}
		return intPart + fracPart[:exp], fracPart[exp:]
	case exp < 0:
		n := -exp
		if n >= len(intPart) {
			return "", strings.Repeat("0", n-len(intPart)) + intPart + fracPart
		}
		return intPart[:len(intPart)-n], intPart[len(intPart)-n:] + fracPart
	}
	return intPart, fracPart
}

func (d Decimal) normalize() Decimal {
	d.intg = strings.TrimLeft(d.intg, "0")
	if d.intg == "" && strings.Trim(d.frac, "0") == "" {
		d.neg = false
	}
	return d
}

// NewDecimalFromInt returns v as a Decimal with no fraction digits.
func NewDecimalFromInt(v int64) Decimal {
	if v < 0 {
		return Decimal{neg: true, intg: strconv.FormatUint(uint64(-(v+1))+1, 10)}
	}
	return NewDecimalFromUint(uint64(v))
}

// NewDecimalFromUint returns v as a Decimal with no fraction digits.
func NewDecimalFromUint(v uint64) Decimal {
	return Decimal{intg: strconv.FormatUint(v, 10)}.normalize()
}

// NewDecimalFromFloat returns the shortest decimal that reads back as f.
func NewDecimalFromFloat(f float64) (Decimal, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Decimal{}, fmt.Errorf("decimal from float %v: %w", f, ErrBadNumber)
	}
	return ParseDecimal(strconv.FormatFloat(f, 'f', -1, 64))
}

// IsNegative reports whether d < 0.
func (d Decimal) IsNegative() bool { return d.neg }

// IsZero reports whether d == 0.
func (d Decimal) IsZero() bool { return d.intg == "" && strings.Trim(d.frac, "0") == "" }

// Frac returns the number of fraction digits.
func (d Decimal) Frac() int { return len(d.frac) }

// PrecisionAndFrac returns the precision (significant integer digits plus
// fraction digits, at least 1) and the fraction digits, as TiDB's
// MyDecimal.PrecisionAndFrac.
func (d Decimal) PrecisionAndFrac() (precision, frac int) {
	frac = len(d.frac)
	precision = len(d.intg) + frac
	if precision == 0 {
		precision = 1
	}
	return precision, frac
}

// String returns the MySQL text form, e.g. "-123.450", "0.000100", "0".
func (d Decimal) String() string {
	var b strings.Builder
	b.Grow(len(d.intg) + len(d.frac) + 3)
	if d.neg {
		b.WriteByte('-')
	}
	if d.intg == "" {
		b.WriteByte('0')
	} else {
		b.WriteString(d.intg)
	}
	if d.frac != "" {
		b.WriteByte('.')
		b.WriteString(d.frac)
	}
	return b.String()
}

// Float64 returns the nearest float64.
func (d Decimal) Float64() float64 {
	f, _ := strconv.ParseFloat(d.String(), 64)
	return f
}

// Round returns d rounded half away from zero (MySQL's rounding) to frac
// fraction digits; a larger frac pads with zeros.
func (d Decimal) Round(frac int) Decimal {
	if frac < 0 {
		frac = 0
	}
	if frac >= len(d.frac) {
		d.frac += strings.Repeat("0", frac-len(d.frac))
		return d
	}
	roundUp := d.frac[frac] >= '5'
	digits := []byte(d.intg + d.frac[:frac])
	if roundUp {
		i := len(digits) - 1
		for ; i >= 0 && digits[i] == '9'; i-- {
			digits[i] = '0'
		}
		if i >= 0 {
			digits[i]++
		} else {
			digits = append([]byte{'1'}, digits...)
		}
	}
	n := len(digits) - frac
	return Decimal{neg: d.neg, intg: string(digits[:n]), frac: string(digits[n:])}.normalize()
}

// Compare returns -1, 0 or 1 as d is less than, equal to or greater than o.
func (d Decimal) Compare(o Decimal) int {
	if d.IsZero() && o.IsZero() {
		return 0
	}
	if d.neg != o.neg {
		if d.neg {
			return -1
		}
		return 1
	}
	c := compareAbs(d, o)
	if d.neg {
		return -c
	}
	return c
}

func compareAbs(a, b Decimal) int {
	if len(a.intg) != len(b.intg) {
		return cmpInt(len(a.intg), len(b.intg))
	}
	if c := strings.Compare(a.intg, b.intg); c != 0 {
		return c
	}
	fa, fb := a.frac, b.frac
	if len(fa) < len(fb) {
		fa += strings.Repeat("0", len(fb)-len(fa))
	} else {
		fb += strings.Repeat("0", len(fa)-len(fb))
	}
	return strings.Compare(fa, fb)
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
