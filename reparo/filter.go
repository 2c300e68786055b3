package reparo

import (
	"fmt"
	"regexp"
	"strings"
)

// tableFilter applies the drainer's replicate-* rules: when replicate-do-db
// or replicate-do-table is set, only what one of them matches is kept; then
// what replicate-ignore-db or replicate-ignore-table matches is dropped. A
// name starting with '~' is a regular expression; names compare
// case-insensitively.
type tableFilter struct {
	doDBs, ignoreDBs       []namePattern
	doTables, ignoreTables []tablePattern
}

type namePattern struct {
	exact string
	re    *regexp.Regexp
}

type tablePattern struct{ schema, table namePattern }

var _ TableFilter = (*tableFilter)(nil)

// newTableFilter builds the filter of the replicate-* keys.
func newTableFilter(cfg *Config) (*tableFilter, error) {
	f := &tableFilter{}
	var err error
	if f.doDBs, err = namePatterns(cfg.DoDBs); err != nil {
		return nil, fmt.Errorf("%w: replicate-do-db: %w", ErrInvalidConfig, err)
	}
	if f.ignoreDBs, err = namePatterns(cfg.IgnoreDBs); err != nil {
		return nil, fmt.Errorf("%w: replicate-ignore-db: %w", ErrInvalidConfig, err)
	}
	if f.doTables, err = tablePatterns(cfg.DoTables); err != nil {
		return nil, fmt.Errorf("%w: replicate-do-table: %w", ErrInvalidConfig, err)
	}
	if f.ignoreTables, err = tablePatterns(cfg.IgnoreTables); err != nil {
		return nil, fmt.Errorf("%w: replicate-ignore-table: %w", ErrInvalidConfig, err)
	}
	return f, nil
}

func newPattern(s string) (namePattern, error) {
	if expr, ok := strings.CutPrefix(s, "~"); ok {
		re, err := regexp.Compile("(?i)" + expr)
		if err != nil {
			return namePattern{}, fmt.Errorf("invalid regular expression %q: %w", s, err)
		}
		return namePattern{re: re}, nil
	}
	return namePattern{exact: strings.ToLower(s)}, nil
}

func namePatterns(names []string) ([]namePattern, error) {
	out := make([]namePattern, 0, len(names))
	for _, n := range names {
		p, err := newPattern(n)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func tablePatterns(names []TableName) ([]tablePattern, error) {
	out := make([]tablePattern, 0, len(names))
	for _, n := range names {
		s, err := newPattern(n.Schema)
		if err != nil {
			return nil, err
		}
		t, err := newPattern(n.Table)
		if err != nil {
			return nil, err
		}
		out = append(out, tablePattern{schema: s, table: t})
	}
	return out, nil
}

func (p namePattern) match(s string) bool {
	if p.re != nil {
		return p.re.MatchString(s)
	}
	return p.exact == strings.ToLower(s)
}

func matchName(ps []namePattern, s string) bool {
	for _, p := range ps {
		if p.match(s) {
			return true
		}
	}
	return false
}

func matchTable(ps []tablePattern, schema, table string) bool {
	for _, p := range ps {
		if p.schema.match(schema) && p.table.match(table) {
			return true
		}
	}
	return false
}

// SkipSchemaAndTable reports whether changes of schema.table (table "" for a
// database-level DDL) are left out.
func (f *tableFilter) SkipSchemaAndTable(schema, table string) bool {
	if len(f.doDBs) > 0 || len(f.doTables) > 0 {
		if !matchName(f.doDBs, schema) && !matchTable(f.doTables, schema, table) {
			return true
		}
	}
	return matchName(f.ignoreDBs, schema) || matchTable(f.ignoreTables, schema, table)
}
