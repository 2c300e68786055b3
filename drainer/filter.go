package drainer

import (
	"fmt"
	"regexp"
	"strings"
)

// tableRules is the table filter of [syncer]: ignore-schemas and
// ignore-table drop, replicate-do-db and replicate-do-table (when any is
// set) keep only what they match. A name starting with `~` is a regular
// expression. Names compare case-insensitively unless case-sensitive.
type tableRules struct {
	caseSensitive bool
	ignoreSchemas map[string]bool
	ignoreTables  []tablePattern
	doDBs         []namePattern
	doTables      []tablePattern
}

type namePattern struct {
	exact string
	re    *regexp.Regexp
}

type tablePattern struct{ schema, table namePattern }

func newTableRules(s *SyncerConfig) (*tableRules, error) {
	r := &tableRules{caseSensitive: s.CaseSensitive, ignoreSchemas: map[string]bool{}}
	for _, name := range s.IgnoreSchemaNames() {
		r.ignoreSchemas[r.fold(name)] = true
	}
	var err error
	if r.ignoreTables, err = r.tablePatterns(s.IgnoreTables); err != nil {
		return nil, fmt.Errorf("ignore-table: %w", err)
	}
	if r.doTables, err = r.tablePatterns(s.DoTables); err != nil {
		return nil, fmt.Errorf("replicate-do-table: %w", err)
	}
	for _, db := range s.DoDBs {
		p, err := r.pattern(db)
		if err != nil {
			return nil, fmt.Errorf("replicate-do-db: %w", err)
		}
		r.doDBs = append(r.doDBs, p)
	}
	return r, nil
}

func (r *tableRules) fold(s string) string {
	if r.caseSensitive {
		return s
	}
	return strings.ToLower(s)
}

func (r *tableRules) pattern(s string) (namePattern, error) {
	if expr, ok := strings.CutPrefix(s, "~"); ok {
		if !r.caseSensitive {
			expr = "(?i)" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return namePattern{}, fmt.Errorf("invalid regular expression %q: %w", s, err)
		}
		return namePattern{re: re}, nil
	}
	return namePattern{exact: r.fold(s)}, nil
}

func (r *tableRules) tablePatterns(names []TableName) ([]tablePattern, error) {
	out := make([]tablePattern, 0, len(names))
	for _, n := range names {
		s, err := r.pattern(n.Schema)
		if err != nil {
			return nil, err
		}
		t, err := r.pattern(n.Table)
		if err != nil {
			return nil, err
		}
		out = append(out, tablePattern{s, t})
	}
	return out, nil
}

func (r *tableRules) match(p namePattern, s string) bool {
	if p.re != nil {
		return p.re.MatchString(s)
	}
	return p.exact == r.fold(s)
}

// SkipSchemaAndTable implements tableFilter; table is "" for a schema-level DDL.
func (r *tableRules) SkipSchemaAndTable(schema, table string) bool {
	if r.ignoreSchemas[r.fold(schema)] {
		return true
	}
	for _, p := range r.ignoreTables {
		if r.match(p.schema, schema) && r.match(p.table, table) {
			return true
		}
	}
	if len(r.doDBs) == 0 && len(r.doTables) == 0 {
		return false
	}
	for _, p := range r.doDBs {
		if r.match(p, schema) {
			return false
		}
	}
	for _, p := range r.doTables {
		if r.match(p.schema, schema) && (table == "" || r.match(p.table, table)) {
			return false
		}
	}
	return true
}
