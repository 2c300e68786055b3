package filter

import (
	"errors"
	"fmt"
	"strings"
)

// ErrAmbiguousRoute is returned by Route when a name matches more than one
// rule at the same level.
var ErrAmbiguousRoute = errors.New("filter: more than one route rule matches")

// RouteRule is a tidb-tools table-router rule: tables matching the
// patterns go to the target (an empty target name keeps the source name).
type RouteRule struct {
	SchemaPattern string
	TablePattern  string // "" makes a schema-level rule
	TargetSchema  string
	TargetTable   string
}

// Router maps upstream schema/table names to downstream ones. A nil
// *Router keeps every name.
type Router struct {
	caseSensitive bool
	rules         selector[*RouteRule]
}

// NewRouter compiles the rules.
func NewRouter(caseSensitive bool, rules []RouteRule) (*Router, error) {
	r := &Router{caseSensitive: caseSensitive}
	for i := range rules {
		rule := rules[i]
		if rule.TablePattern == "" && rule.TargetTable != "" {
			return nil, fmt.Errorf("%w: schema-level route rule %q cannot have a target table", ErrBadPattern, rule.SchemaPattern)
		}
		schema, table := rule.SchemaPattern, rule.TablePattern
		if !caseSensitive {
			schema, table = strings.ToLower(schema), strings.ToLower(table)
		}
		if err := r.rules.insert(schema, table, &rule); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Route returns the target of schema.table: a matching table-level rule
// wins over schema-level ones (and a schema-level name, table "", uses
// only schema-level rules).
func (r *Router) Route(schema, table string) (targetSchema, targetTable string, err error) {
	if r == nil || schema == "" {
		return schema, table, nil
	}
	s, t := schema, table
	if !r.caseSensitive {
		s, t = strings.ToLower(s), strings.ToLower(t)
	}
	schemaRules, tableRules := r.rules.match(s, t)
	rules := tableRules
	if table == "" || len(tableRules) == 0 {
		rules = schemaRules
	}
	if len(rules) > 1 {
		return "", "", fmt.Errorf("%w: `%s`.`%s` matches %d rules", ErrAmbiguousRoute, schema, table, len(rules))
	}
	targetSchema, targetTable = schema, table
	if len(rules) == 1 {
		if rules[0].TargetSchema != "" {
			targetSchema = rules[0].TargetSchema
		}
		if rules[0].TargetTable != "" {
			targetTable = rules[0].TargetTable
		}
	}
	return targetSchema, targetTable, nil
}
