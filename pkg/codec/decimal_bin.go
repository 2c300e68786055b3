package codec

import (
	"fmt"
	"strconv"
	"strings"
)

// MySQL binary decimal (decimal2bin): the integer digits and the fraction
// digits are cut into words of 9 decimal digits, the partial word being the
// most significant one of the integer part and the least significant one of
// the fraction part. A full word takes 4 bytes, a partial word of n digits
// dig2bytes[n] bytes, all big-endian. Negative numbers have every byte
// inverted; finally the first byte's top bit is flipped so that the bytes sort
// like the numbers.

const digitsPerWord = 9

var dig2bytes = [10]int{0, 1, 1, 2, 2, 3, 3, 4, 4, 4}

var pow10 = [10]uint32{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

func checkPrecision(precision, frac int) error {
	if precision < 1 || precision > maxDecimalDigits || frac < 0 || frac > precision {
		return fmt.Errorf("decimal precision %d frac %d: %w", precision, frac, ErrBadNumber)
	}
	return nil
}

// DecimalBinSize returns the size of the binary form of a decimal(precision, frac).
func DecimalBinSize(precision, frac int) int {
	digitsInt := precision - frac
	return digitsInt/digitsPerWord*4 + dig2bytes[digitsInt%digitsPerWord] +
		frac/digitsPerWord*4 + dig2bytes[frac%digitsPerWord]
}

// WriteBin appends the binary form of d as decimal(precision, frac). Extra
// fraction digits are truncated (as TiDB does); an integer part longer than
// precision-frac digits is ErrOverflow.
func (d Decimal) WriteBin(b []byte, precision, frac int) ([]byte, error) {
	if err := checkPrecision(precision, frac); err != nil {
		return b, fmt.Errorf("write decimal %s: %w", d, err)
	}
	digitsInt := precision - frac
	if len(d.intg) > digitsInt {
		return b, fmt.Errorf("write decimal %s as (%d,%d): %w", d, precision, frac, ErrOverflow)
	}
	intStr := strings.Repeat("0", digitsInt-len(d.intg)) + d.intg
	fracStr := d.frac
	if len(fracStr) > frac {
		fracStr = fracStr[:frac]
	} else {
		fracStr += strings.Repeat("0", frac-len(fracStr))
	}
	var mask byte
	if d.neg {
		mask = 0xFF
	}
	start := len(b)
	lead := digitsInt % digitsPerWord
	b = appendDigitWord(b, intStr[:lead], mask)
	for i := lead; i < len(intStr); i += digitsPerWord {
		b = appendDigitWord(b, intStr[i:i+digitsPerWord], mask)
	}
	full := frac / digitsPerWord * digitsPerWord
	for i := 0; i < full; i += digitsPerWord {
		b = appendDigitWord(b, fracStr[i:i+digitsPerWord], mask)
	}
	b = appendDigitWord(b, fracStr[full:], mask)
	b[start] ^= 0x80
	return b, nil
}

// appendDigitWord appends the number written by digits (at most 9) in
// dig2bytes[len(digits)] big-endian bytes, each XORed with mask.
func appendDigitWord(b []byte, digits string, mask byte) []byte {
	n := dig2bytes[len(digits)]
	if n == 0 {
		return b
	}
	v, _ := strconv.ParseUint(digits, 10, 32)
	for i := n - 1; i >= 0; i-- {
		b = append(b, byte(v>>(8*uint(i)))^mask)
	}
	return b
}

// DecimalFromBin decodes the binary form of a decimal(precision, frac) from
// the front of b and returns it with the number of bytes used.
func DecimalFromBin(b []byte, precision, frac int) (Decimal, int, error) {
	if err := checkPrecision(precision, frac); err != nil {
		return Decimal{}, 0, fmt.Errorf("read decimal: %w", err)
	}
	size := DecimalBinSize(precision, frac)
	if len(b) < size {
		return Decimal{}, 0, fmt.Errorf("read decimal (%d,%d): need %d bytes, have %d: %w",
			precision, frac, size, len(b), ErrInsufficientData)
	}
	buf := make([]byte, size)
	copy(buf, b)
	var mask byte
	neg := buf[0]&0x80 == 0
	if neg {
		mask = 0xFF
	}
	buf[0] ^= 0x80
	r := binReader{buf: buf, mask: mask}
	digitsInt := precision - frac
	var intg, fr strings.Builder
	r.word(&intg, digitsInt%digitsPerWord)
	for range digitsInt / digitsPerWord {
		r.word(&intg, digitsPerWord)
	}
	for range frac / digitsPerWord {
		r.word(&fr, digitsPerWord)
	}
	r.word(&fr, frac%digitsPerWord)
	if r.err != nil {
		return Decimal{}, 0, fmt.Errorf("read decimal (%d,%d): %w", precision, frac, r.err)
	}
	return Decimal{neg: neg, intg: intg.String(), frac: fr.String()}.normalize(), size, nil
}

type binReader struct {
	buf  []byte
	pos  int
	mask byte
	err  error
}

// word reads a word of the given number of digits and appends its digits,
// zero-padded, to sb.
func (r *binReader) word(sb *strings.Builder, digits int) {
	n := dig2bytes[digits]
	if n == 0 || r.err != nil {
		return
	}
	var v uint32
	for _, c := range r.buf[r.pos : r.pos+n] {
		v = v<<8 | uint32(c^r.mask)
	}
	r.pos += n
	if v >= pow10[digits] {
		r.err = fmt.Errorf("word %d has more than %d digits: %w", v, digits, ErrCorrupted)
		return
	}
	s := strconv.FormatUint(uint64(v), 10)
	for range digits - len(s) {
		sb.WriteByte('0')
	}
	sb.WriteString(s)
}
