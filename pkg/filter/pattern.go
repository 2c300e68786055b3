package filter

import (
	"errors"
	"fmt"
	"strings"
)

// ErrBadPattern rejects a schema/table pattern of a binlog-filter or
// table-router rule.
var ErrBadPattern = errors.New("filter: bad pattern")

// A glob is a tidb-tools table-selector pattern: `*` (only as the last
// character) matches any rest, `?` one character, `[abc]`, `[a-z]` and
// `[!a-z]` one character of (or not of) a set; a `[` without a closing `]`
// is literal. Matching is by byte.
type glob string

func parseGlob(p string) (glob, error) {
	if i := strings.IndexByte(p, '*'); i >= 0 && i != len(p)-1 {
		return "", fmt.Errorf("%w: %q: `*` must be the last character", ErrBadPattern, p)
	}
	return glob(p), nil
}

func (g glob) match(s string) bool {
	p := string(g)
	for len(p) > 0 {
		switch p[0] {
		case '*':
			return true
		case '?':
			if s == "" {
				return false
			}
			p, s = p[1:], s[1:]
			continue
		case '[':
			if set, rest, ok := parseSet(p); ok {
				if s == "" || !set.has(s[0]) {
					return false
				}
				p, s = rest, s[1:]
				continue
			}
		}
		if s == "" || s[0] != p[0] {
			return false
		}
		p, s = p[1:], s[1:]
	}
	return s == ""
}

// charSet is a `[...]` item.
type charSet struct {
	not    bool
	ranges [][2]byte
}

func (c charSet) has(b byte) bool {
	for _, r := range c.ranges {
		if r[0] <= b && b <= r[1] {
			return !c.not
		}
	}
	return c.not
}

// parseSet parses the `[...]` at the start of p; ok is false without a
// closing `]`.
func parseSet(p string) (set charSet, rest string, ok bool) {
	end := strings.IndexByte(p, ']')
	if end < 0 {
		return charSet{}, "", false
	}
	body := p[1:end]
	if strings.HasPrefix(body, "!") {
		set.not, body = true, body[1:]
	}
	for i := 0; i < len(body); i++ {
		if i+2 < len(body) && body[i+1] == '-' {
			set.ranges = append(set.ranges, [2]byte{body[i], body[i+2]})
			i += 2
			continue
		}
		set.ranges = append(set.ranges, [2]byte{body[i], body[i]})
	}
	if len(set.ranges) == 0 && set.not {
		// `[!]` is the character `!` (as in tidb-tools).
		set = charSet{ranges: [][2]byte{{'!', '!'}}}
	}
	return set, p[end+1:], true
}

// selector holds rules keyed by a schema pattern and an optional table
// pattern, like the tidb-tools trie selector: a schema-level rule (empty
// table pattern) applies to every table of the schemas it matches.
type selector[T any] struct {
	entries []selectorEntry[T]
	seen    map[[2]string]bool
}

type selectorEntry[T any] struct {
	schema, table glob
	schemaLevel   bool
	rule          T
}

func (s *selector[T]) insert(schema, table string, rule T) error {
	if schema == "" {
		return fmt.Errorf("%w: empty schema pattern", ErrBadPattern)
	}
	key := [2]string{schema, table}
	if s.seen[key] {
		return fmt.Errorf("%w: schema %q table %q has more than one rule", ErrBadPattern, schema, table)
	}
	sg, err := parseGlob(schema)
	if err != nil {
		return err
	}
	tg, err := parseGlob(table)
	if err != nil {
		return err
	}
	if s.seen == nil {
		s.seen = map[[2]string]bool{}
	}
	s.seen[key] = true
	s.entries = append(s.entries, selectorEntry[T]{schema: sg, table: tg, schemaLevel: table == "", rule: rule})
	return nil
}

// match returns the schema-level rules matching schema, then the
// table-level rules matching schema and table (an empty table matches only
// a table pattern that matches the empty name, such as `*`).
func (s *selector[T]) match(schema, table string) (schemaRules, tableRules []T) {
	for _, e := range s.entries {
		if !e.schema.match(schema) {
			continue
		}
		if e.schemaLevel {
			schemaRules = append(schemaRules, e.rule)
		} else if e.table.match(table) {
			tableRules = append(tableRules, e.rule)
		}
	}
	return schemaRules, tableRules
}
