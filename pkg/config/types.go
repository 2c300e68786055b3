package config

import (
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
)

// Duration is a time.Duration written as text ("3s", "1m30s") in TOML and
// flags.
type Duration struct {
	time.Duration
}

var (
	_ flag.Value = (*Duration)(nil)
	_ flag.Value = (*ByteSize)(nil)
)

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(text []byte) error {
	v, err := time.ParseDuration(strings.TrimSpace(string(text)))
	if err != nil {
		return fmt.Errorf("parse duration: %w", err)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.Duration.String()), nil }

// Set implements flag.Value.
func (d *Duration) Set(s string) error { return d.UnmarshalText([]byte(s)) }

// ErrInvalidByteSize is returned for text that is not a byte size.
var ErrInvalidByteSize = errors.New("config: invalid byte size")

// ByteSize is a size in bytes written as a plain integer or a humanized
// string: "42 MB" (10^6), "10 gib" or "10GiB" (2^30); units are
// case-insensitive.
type ByteSize uint64

// ParseByteSize parses a plain or humanized byte size.
func ParseByteSize(s string) (ByteSize, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return ByteSize(n), nil
	}
	n, err := humanize.ParseBytes(s)
	if err != nil {
		// humanize's own messages ("strconv.ParseFloat: parsing \"\"") confuse more than they help.
		return 0, fmt.Errorf("%w %q: want bytes or a number with a unit such as \"42 MB\" or \"10 GiB\"", ErrInvalidByteSize, s)
	}
	return ByteSize(n), nil
}

// UnmarshalText accepts the forms of ParseByteSize; TOML integers arrive here
// as their decimal text.
func (b *ByteSize) UnmarshalText(text []byte) error {
	v, err := ParseByteSize(string(text))
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// String writes the size exactly: in the largest binary unit that divides it
// ("10 GiB"), or as plain bytes ("1000001").
func (b ByteSize) String() string {
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, unit := uint64(b), ""
	for _, u := range units {
		if v == 0 || v%1024 != 0 {
			break
		}
		v, unit = v/1024, u
	}
	if unit == "" {
		return strconv.FormatUint(v, 10)
	}
	return strconv.FormatUint(v, 10) + " " + unit
}

// MarshalText writes String, which ParseByteSize reads back unchanged.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// Set implements flag.Value.
func (b *ByteSize) Set(s string) error { return b.UnmarshalText([]byte(s)) }

// SplitList splits a comma-separated list (of URLs, addresses, names),
// trimming spaces and dropping empty items.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
