package codec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxDuration is the largest MySQL TIME value, 838:59:59.
const MaxDuration = (838*3600 + 59*60 + 59) * time.Second

// Duration is a MySQL TIME value: a signed duration and the number of
// fraction digits printed.
type Duration struct {
	Duration time.Duration
	Fsp      int
}

// String formats d as "[-]HH:MM:SS[.fraction]" with Fsp fraction digits
// (hours may exceed two digits).
func (d Duration) String() string {
	var b strings.Builder
	ns := uint64(d.Duration)
	if d.Duration < 0 {
		b.WriteByte('-')
		ns = -ns
	}
	secs, frac := ns/uint64(time.Second), ns%uint64(time.Second)
	fmt.Fprintf(&b, "%02d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	if fsp := min(max(d.Fsp, 0), MaxFsp); fsp > 0 {
		b.WriteByte('.')
		b.WriteString(fmt.Sprintf("%09d", frac)[:fsp])
	}
	return b.String()
}

// ParseDuration parses "[-][D ]HH:MM:SS[.fraction]", "[-]HH:MM" or
// "[-]SS[.fraction]" and rounds the fraction to fsp digits.
func ParseDuration(s string, fsp int) (Duration, error) {
	str := strings.TrimSpace(s)
	neg := strings.HasPrefix(str, "-")
	str = strings.TrimPrefix(str, "-")
	var days int64
	if dayPart, rest, ok := strings.Cut(str, " "); ok {
		n, err := strconv.ParseInt(dayPart, 10, 32)
		if err != nil || n < 0 || n > 34 {
			return Duration{}, fmt.Errorf("parse duration %q: %w", s, ErrInvalidTime)
		}
		days, str = n, strings.TrimSpace(rest)
	}
	clock, fraction, _ := strings.Cut(str, ".")
	nanos, err := parseFraction(fraction)
	if err != nil {
		return Duration{}, fmt.Errorf("parse duration %q: %w", s, ErrInvalidTime)
	}
	parts := strings.Split(clock, ":")
	var h, m, sec int64
	switch len(parts) {
	case 1:
		sec, err = parseClockPart(parts[0], -1)
	case 2:
		h, err = parseClockPart(parts[0], -1)
		if err == nil {
			m, err = parseClockPart(parts[1], 59)
		}
	case 3:
		h, err = parseClockPart(parts[0], -1)
		if err == nil {
			m, err = parseClockPart(parts[1], 59)
		}
		if err == nil {
			sec, err = parseClockPart(parts[2], 59)
		}
	default:
		err = ErrInvalidTime
	}
	if err != nil {
		return Duration{}, fmt.Errorf("parse duration %q: %w", s, ErrInvalidTime)
	}
	fsp = min(max(fsp, 0), MaxFsp)
	unit := int64(pow10[9-fsp])
	total := ((days*24+h)*3600+m*60+sec)*int64(time.Second) + (int64(nanos)+unit/2)/unit*unit
	if total > int64(MaxDuration) {
		return Duration{}, fmt.Errorf("parse duration %q: %w", s, ErrOverflow)
	}
	if neg {
		total = -total
	}
	return Duration{Duration: time.Duration(total), Fsp: fsp}, nil
}

func parseClockPart(p string, maxVal int64) (int64, error) {
	n, err := strconv.ParseInt(p, 10, 64)
	if err != nil || n < 0 || (maxVal >= 0 && n > maxVal) || n > 1<<20 {
		return 0, ErrInvalidTime
	}
	return n, nil
}
