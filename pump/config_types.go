package pump

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/config"
)

// Seconds is an interval written as a number of seconds (3, 0.5) or as a Go
// duration string ("500ms", "2s"), both in TOML and on the command line.
type Seconds struct{ time.Duration }

// SecondsOf returns d as a Seconds value.
func SecondsOf(d time.Duration) Seconds { return Seconds{d} }

// Set implements flag.Value.
func (s *Seconds) Set(v string) error {
	d, err := parseSeconds(strings.TrimSpace(v))
	if err != nil {
		return err
	}
	s.Duration = d
	return nil
}

// String implements flag.Value: whole seconds print as a bare number.
func (s *Seconds) String() string {
	if s == nil {
		return "0"
	}
	if s.Duration%time.Second == 0 {
		return strconv.FormatInt(int64(s.Duration/time.Second), 10)
	}
	return s.Duration.String()
}

// UnmarshalTOML accepts an integer or float number of seconds, or a string.
func (s *Seconds) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case int64:
		return s.setFloat(float64(x))
	case float64:
		return s.setFloat(x)
	case string:
		return s.Set(x)
	}
	return fmt.Errorf("want a number of seconds or a duration string, got %T", v)
}

// MarshalText writes the flag form.
func (s Seconds) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Seconds) setFloat(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > float64(math.MaxInt64/int64(time.Second)) {
		return fmt.Errorf("invalid number of seconds %v", f)
	}
	s.Duration = time.Duration(f * float64(time.Second))
	return nil
}

func parseSeconds(v string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		var s Seconds
		err := s.setFloat(f)
		return s.Duration, err
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("invalid interval %q: want seconds (3, 0.5) or a duration (500ms)", v)
	}
	return d, nil
}

// Retention is the gc setting: a number of days (7, 0.5) or a Go duration
// string ("8h"), in TOML and on the command line.
type Retention struct{ time.Duration }

const day = 24 * time.Hour

// Set implements flag.Value.
func (r *Retention) Set(v string) error {
	v = strings.TrimSpace(v)
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		return r.setDays(f)
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("invalid gc %q: want a number of days (7) or a duration (8h)", v)
	}
	r.Duration = d
	return nil
}

// String implements flag.Value: whole days print as a bare number.
func (r *Retention) String() string {
	if r == nil {
		return "0"
	}
	if r.Duration%day == 0 {
		return strconv.FormatInt(int64(r.Duration/day), 10)
	}
	return r.Duration.String()
}

// UnmarshalTOML accepts a number of days or a duration string.
func (r *Retention) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case int64:
		return r.setDays(float64(x))
	case float64:
		return r.setDays(x)
	case string:
		return r.Set(x)
	}
	return fmt.Errorf("want a number of days or a duration string, got %T", v)
}

// MarshalText writes the flag form.
func (r Retention) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

func (r *Retention) setDays(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > float64(math.MaxInt64/int64(day)) {
		return fmt.Errorf("invalid number of days %v", f)
	}
	r.Duration = time.Duration(f * float64(day))
	return nil
}

// StringList is a list of strings: a TOML array or a comma-separated string,
// comma-separated on the command line.
type StringList []string

// Set implements flag.Value; it replaces the list.
func (l *StringList) Set(v string) error {
	*l = config.SplitList(v)
	return nil
}

// String implements flag.Value.
func (l *StringList) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ",")
}

// UnmarshalTOML accepts an array of strings or one comma-separated string.
func (l *StringList) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case string:
		return l.Set(x)
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return fmt.Errorf("want an array of strings, found %T", e)
			}
			out = append(out, config.SplitList(s)...)
		}
		*l = out
		return nil
	}
	return fmt.Errorf("want an array of strings, got %T", v)
}
