package codec

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// MaxFsp is the largest fractional seconds precision.
const MaxFsp = 6

// Time is a MySQL DATE, DATETIME or TIMESTAMP value. Fields hold the calendar
// values as written (zero dates such as 0000-00-00 are allowed). Type is
// model.TypeDate, model.TypeDatetime or model.TypeTimestamp; Fsp (0..6) is
// the number of fraction digits printed.
type Time struct {
	Year, Month, Day     int
	Hour, Minute, Second int
	Microsecond          int
	Type                 byte
	Fsp                  int
}

// ToPackedUint packs t as TiDB stores it in binlog rows:
// ((((year*13+month)<<5 | day)<<17 | hour<<12 | minute<<6 | second)<<24) | microsecond.
func (t Time) ToPackedUint() (uint64, error) {
	if t.Year < 0 || t.Year > 9999 || t.Month < 0 || t.Month > 12 || t.Day < 0 || t.Day > 31 ||
		t.Hour < 0 || t.Hour > 23 || t.Minute < 0 || t.Minute > 59 || t.Second < 0 || t.Second > 59 ||
		t.Microsecond < 0 || t.Microsecond > 999999 {
		return 0, fmt.Errorf("pack time %s: %w", t, ErrInvalidTime)
	}
	ymd := uint64((t.Year*13+t.Month)<<5 | t.Day)
	hms := uint64(t.Hour<<12 | t.Minute<<6 | t.Second)
	return (ymd<<17|hms)<<24 | uint64(t.Microsecond), nil
}

// TimeFromPackedUint unpacks a value written by ToPackedUint.
func TimeFromPackedUint(packed uint64, tp byte, fsp int) Time {
	t := Time{Type: tp, Fsp: fsp, Microsecond: int(packed & (1<<24 - 1))}
	ymdhms := packed >> 24
	ymd, hms := ymdhms>>17, ymdhms&(1<<17-1)
	t.Day = int(ymd & (1<<5 - 1))
	ym := ymd >> 5
	t.Year, t.Month = int(ym/13), int(ym%13)
	t.Second = int(hms & (1<<6 - 1))
	t.Minute = int((hms >> 6) & (1<<6 - 1))
	t.Hour = int(hms >> 12)
	return t
}

// fromCoreTime decodes TiDB's in-memory CoreTime bit layout, used by binary
// JSON date/time values.
func fromCoreTime(v uint64, tp byte) Time {
	field := func(off, width uint) int { return int((v >> off) & (1<<width - 1)) }
	return Time{
		Year: field(50, 14), Month: field(46, 4), Day: field(41, 5),
		Hour: field(36, 5), Minute: field(30, 6), Second: field(24, 6),
		Microsecond: field(4, 20), Type: tp, Fsp: MaxFsp,
	}
}

// toCoreTime is the inverse of fromCoreTime (fsp/type bits left zero).
func (t Time) toCoreTime() uint64 {
	put := func(v int, off, width uint) uint64 { return (uint64(v) & (1<<width - 1)) << off }
	return put(t.Year, 50, 14) | put(t.Month, 46, 4) | put(t.Day, 41, 5) | put(t.Hour, 36, 5) |
		put(t.Minute, 30, 6) | put(t.Second, 24, 6) | put(t.Microsecond, 4, 20)
}

// IsZero reports whether every field is zero (0000-00-00 00:00:00).
func (t Time) IsZero() bool {
	return t.Year == 0 && t.Month == 0 && t.Day == 0 && t.Hour == 0 && t.Minute == 0 &&
		t.Second == 0 && t.Microsecond == 0
}

// String formats t as MySQL does: "2006-01-02" for DATE, otherwise
// "2006-01-02 15:04:05" followed by Fsp fraction digits.
func (t Time) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%04d-%02d-%02d", t.Year, t.Month, t.Day)
	if t.Type == model.TypeDate {
		return b.String()
	}
	fmt.Fprintf(&b, " %02d:%02d:%02d", t.Hour, t.Minute, t.Second)
	if fsp := min(max(t.Fsp, 0), MaxFsp); fsp > 0 {
		b.WriteByte('.')
		b.WriteString(fmt.Sprintf("%06d", t.Microsecond)[:fsp])
	}
	return b.String()
}

// GoTime returns t as a time.Time in loc. Zero or invalid dates (month or day
// 0, February 30) are ErrInvalidTime.
func (t Time) GoTime(loc *time.Location) (time.Time, error) {
	if _, err := t.ToPackedUint(); err != nil || t.Month < 1 || t.Day < 1 ||
		time.Date(t.Year, time.Month(t.Month), t.Day, 0, 0, 0, 0, time.UTC).Day() != t.Day {
		return time.Time{}, fmt.Errorf("convert %s: %w", t, ErrInvalidTime)
	}
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(t.Year, time.Month(t.Month), t.Day, t.Hour, t.Minute, t.Second, t.Microsecond*1000, loc), nil
}

// TimeFromGoTime returns the calendar fields of gt (in its own location)
// truncated to microseconds.
func TimeFromGoTime(gt time.Time, tp byte, fsp int) Time {
	return Time{
		Year: gt.Year(), Month: int(gt.Month()), Day: gt.Day(),
		Hour: gt.Hour(), Minute: gt.Minute(), Second: gt.Second(),
		Microsecond: gt.Nanosecond() / 1000, Type: tp, Fsp: fsp,
	}
}

// ConvertTimeZone reinterprets t from location from to location to. The zero
// time and invalid dates are returned unchanged, as TiDB does.
func (t Time) ConvertTimeZone(from, to *time.Location) Time {
	if t.IsZero() || from == nil || to == nil || from == to {
		return t
	}
	gt, err := t.GoTime(from)
	if err != nil {
		return t
	}
	return TimeFromGoTime(gt.In(to), t.Type, t.Fsp)
}

// ParseTime parses "YYYY-MM-DD", "YYYY-MM-DD HH:MM:SS[.fraction]" (a 'T'
// separator is accepted) into a value of type tp, rounding the fraction to
// fsp digits.
func ParseTime(s string, tp byte, fsp int) (Time, error) {
	s = strings.TrimSpace(s)
	datePart, timePart, hasTime := strings.Cut(s, " ")
	if !hasTime {
		datePart, timePart, hasTime = strings.Cut(s, "T")
	}
	ymd := strings.Split(datePart, "-")
	if len(ymd) != 3 {
		return Time{}, fmt.Errorf("parse time %q: %w", s, ErrInvalidTime)
	}
	t := Time{Type: tp, Fsp: fsp}
	var err error
	if t.Year, t.Month, t.Day, err = atoi3(ymd); err != nil {
		return Time{}, fmt.Errorf("parse time %q: %w", s, ErrInvalidTime)
	}
	var nanos int
	if hasTime {
		clock, fraction, _ := strings.Cut(strings.TrimSpace(timePart), ".")
		hms := strings.Split(clock, ":")
		if len(hms) != 3 {
			return Time{}, fmt.Errorf("parse time %q: %w", s, ErrInvalidTime)
		}
		if t.Hour, t.Minute, t.Second, err = atoi3(hms); err != nil {
			return Time{}, fmt.Errorf("parse time %q: %w", s, ErrInvalidTime)
		}
		if nanos, err = parseFraction(fraction); err != nil {
			return Time{}, fmt.Errorf("parse time %q: %w", s, ErrInvalidTime)
		}
	}
	if tp == model.TypeDate {
		t.Hour, t.Minute, t.Second, nanos = 0, 0, 0, 0
	}
	return t.withNanos(nanos, fsp)
}

// withNanos sets the fraction from nanos rounded to fsp digits, carrying
// into the seconds when needed.
func (t Time) withNanos(nanos, fsp int) (Time, error) {
	fsp = min(max(fsp, 0), MaxFsp)
	unit := int(pow10[9-fsp])
	rounded := (nanos + unit/2) / unit * unit
	if _, err := t.ToPackedUint(); err != nil {
		return Time{}, err
	}
	if rounded < 1e9 {
		t.Microsecond = rounded / 1000
		return t, nil
	}
	gt, err := t.GoTime(time.UTC)
	if err != nil {
		return Time{}, err
	}
	return TimeFromGoTime(gt.Add(time.Second), t.Type, t.Fsp), nil
}

func atoi3(parts []string) (int, int, int, error) {
	var v [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" {
			return 0, 0, 0, ErrInvalidTime
		}
		v[i] = n
	}
	return v[0], v[1], v[2], nil
}

// parseFraction returns the nanoseconds written by up to 9 fraction digits
// (further digits are ignored).
func parseFraction(f string) (int, error) {
	if f == "" {
		return 0, nil
	}
	if !allDigits(f) {
		return 0, ErrInvalidTime
	}
	if len(f) > 9 {
		f = f[:9]
	}
	n, _ := strconv.Atoi(f + strings.Repeat("0", 9-len(f)))
	return n, nil
}
