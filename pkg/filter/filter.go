package filter

import (
	"fmt"
	"regexp"
	"strings"
)

// TableName is a schema/table pair of ignore-table, replicate-do-table,
// replicate-ignore-table; either name may be a `~` regular expression.
type TableName struct {
	Schema string `toml:"db-name" json:"db-name"`
	Table  string `toml:"tbl-name" json:"tbl-name"`
}

// DefaultIgnoreSchemas is the drainer's default ignore-schemas.
var DefaultIgnoreSchemas = []string{"INFORMATION_SCHEMA", "PERFORMANCE_SCHEMA", "mysql"}

// IsSystemSchema reports whether name is one of TiDB's system schemas
// (information_schema, performance_schema, metrics_schema, mysql; any
// case), whose changes are never replicated.
func IsSystemSchema(name string) bool {
	switch strings.ToLower(name) {
	case "information_schema", "performance_schema", "metrics_schema", "mysql":
		return true
	}
	return false
}

// Rules configure a Filter.
type Rules struct {
	DoDBs        []string    // replicate-do-db
	DoTables     []TableName // replicate-do-table
	IgnoreDBs    []string    // ignore-schemas, replicate-ignore-db
	IgnoreTables []TableName // ignore-table, replicate-ignore-table
	// CaseSensitive compares names exactly (the original always folds).
	CaseSensitive bool
}

// Filter is the schema/table filter. A nil *Filter skips nothing.
type Filter struct {
	caseSensitive bool
	doDBs         []matcher
	doTables      []tableMatcher
	ignoreDBs     []matcher
	ignoreTables  []tableMatcher
}

type matcher struct {
	exact string // folded unless case-sensitive
	re    *regexp.Regexp
}

type tableMatcher struct{ schema, table matcher }

// New compiles the rules; an invalid regular expression is an error.
func New(r Rules) (*Filter, error) {
	f := &Filter{caseSensitive: r.CaseSensitive}
	var err error
	if f.doDBs, err = f.matchers(r.DoDBs); err != nil {
		return nil, fmt.Errorf("filter: replicate-do-db: %w", err)
	}
	if f.doTables, err = f.tableMatchers(r.DoTables); err != nil {
		return nil, fmt.Errorf("filter: replicate-do-table: %w", err)
	}
	if f.ignoreDBs, err = f.matchers(r.IgnoreDBs); err != nil {
		return nil, fmt.Errorf("filter: ignore db: %w", err)
	}
	if f.ignoreTables, err = f.tableMatchers(r.IgnoreTables); err != nil {
		return nil, fmt.Errorf("filter: ignore table: %w", err)
	}
	return f, nil
}

func (f *Filter) fold(s string) string {
	if f.caseSensitive {
		return s
	}
	return strings.ToLower(s)
}

func (f *Filter) compile(s string) (matcher, error) {
	expr, isRegexp := strings.CutPrefix(s, "~")
	if !isRegexp {
		return matcher{exact: f.fold(s)}, nil
	}
	if !f.caseSensitive {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return matcher{}, fmt.Errorf("invalid regular expression %q: %w", s, err)
	}
	return matcher{re: re}, nil
}

func (f *Filter) matchers(names []string) ([]matcher, error) {
	out := make([]matcher, 0, len(names))
	for _, n := range names {
		m, err := f.compile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func (f *Filter) tableMatchers(names []TableName) ([]tableMatcher, error) {
	out := make([]tableMatcher, 0, len(names))
	for _, n := range names {
		s, err := f.compile(n.Schema)
		if err != nil {
			return nil, err
		}
		t, err := f.compile(n.Table)
		if err != nil {
			return nil, err
		}
		out = append(out, tableMatcher{s, t})
	}
	return out, nil
}

func (f *Filter) match(m matcher, s string) bool {
	if m.re != nil {
		return m.re.MatchString(s)
	}
	return m.exact == f.fold(s)
}

// SkipSchemaAndTable reports whether changes of schema.table are dropped.
// table is "" for a schema-level DDL (CREATE/DROP DATABASE): it passes the
// do-rules when a replicate-do-table names a table of that schema, and
// only ignore-schemas / replicate-ignore-db drop it (an ignored table does
// not drop its whole schema).
func (f *Filter) SkipSchemaAndTable(schema, table string) bool {
	if f == nil {
		return false
	}
	return !f.allowed(schema, table) || f.ignored(schema, table)
}

// allowed applies the do-rules (everything is allowed without any).
func (f *Filter) allowed(schema, table string) bool {
	if len(f.doDBs) == 0 && len(f.doTables) == 0 {
		return true
	}
	for _, m := range f.doDBs {
		if f.match(m, schema) {
			return true
		}
	}
	for _, m := range f.doTables {
		if f.match(m.schema, schema) && (table == "" || f.match(m.table, table)) {
			return true
		}
	}
	return false
}

// ignored applies the ignore-rules.
func (f *Filter) ignored(schema, table string) bool {
	for _, m := range f.ignoreDBs {
		if f.match(m, schema) {
			return true
		}
	}
	if table == "" {
		return false
	}
	for _, m := range f.ignoreTables {
		if f.match(m.schema, schema) && f.match(m.table, table) {
			return true
		}
	}
	return false
}
