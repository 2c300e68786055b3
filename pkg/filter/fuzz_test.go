package filter

import (
	"regexp"
	"strings"
	"testing"
)

// FuzzDDLEventType: any text classifies without panicking, to one of the
// known events.
func FuzzDDLEventType(f *testing.F) {
	for _, q := range []string{
		"CREATE TABLE t (a int)", "use `db`; DROP TABLE t;", "/* x */ ALTER TABLE t ADD c INT",
		"CREATE DEFINER = `u`@`%` VIEW v AS SELECT 1", "'unterminated", "/* open", "-- x", "",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		e := DDLEventType(q)
		if class, err := eventClass(e); err != nil || class == "dml" {
			t.Fatalf("%q classified as %q", q, e)
		}
	})
}

// FuzzGlob compares glob matching with the same pattern translated to a
// regular expression.
func FuzzGlob(f *testing.F) {
	f.Add("t_[0-9]*", "t_5x")
	f.Add("a?c", "abc")
	f.Add("[!a-c]", "d")
	f.Add("[", "[")
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if !isASCII(pattern) || !isASCII(s) {
			return // the regexp oracle matches runes, globs match bytes
		}
		g, err := parseGlob(pattern)
		if err != nil {
			return
		}
		re, ok := globRegexp(pattern)
		if !ok {
			return
		}
		if got, want := g.match(s), re.MatchString(s); got != want {
			t.Fatalf("%q ~ %q: glob %v, regexp %v (%s)", pattern, s, got, want, re)
		}
	})
}

// globRegexp translates a glob for the fuzz oracle (ok false for sets the
// translation does not handle).
func globRegexp(p string) (*regexp.Regexp, bool) {
	var b strings.Builder
	b.WriteString(`^`)
	for len(p) > 0 {
		switch p[0] {
		case '*':
			b.WriteString(`(?s:.*)`)
			p = p[1:]
			continue
		case '?':
			b.WriteString(`[\x00-\xff]`)
			p = p[1:]
			continue
		case '[':
			if set, rest, ok := parseSet(p); ok {
				b.WriteString(`[`)
				if set.not {
					b.WriteString(`^`)
				}
				for _, r := range set.ranges {
					if r[0] > r[1] {
						return nil, false
					}
					b.WriteString(regexp.QuoteMeta(string(rune(r[0]))))
					b.WriteString(`-`)
					b.WriteString(regexp.QuoteMeta(string(rune(r[1]))))
				}
				b.WriteString(`]`)
				p = rest
				continue
			}
		}
		b.WriteString(regexp.QuoteMeta(string(rune(p[0]))))
		p = p[1:]
	}
	b.WriteString(`$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, false
	}
	return re, true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
