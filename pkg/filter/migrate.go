package filter

import (
	"fmt"
	"slices"
)

// TableRef is the source or target of a table-migrate-rule.
type TableRef struct {
	Schema string `toml:"schema" json:"schema"`
	Table  string `toml:"table" json:"table"`
}

// MigrateRule is a [[syncer.table-migrate-rule]] of the drainer: the
// binlog-filter rules (by name) that apply to the source tables, and the
// target the Oracle sink routes them to.
type MigrateRule struct {
	BinlogFilterRule []string  `toml:"binlog-filter-rule" json:"binlog-filter-rule"`
	Source           TableRef  `toml:"source" json:"source"`
	Target           *TableRef `toml:"target" json:"target"`
}

// IgnoreRule is a named [syncer.binlog-filter-rule.<name>]: the events and
// the statements (regular expressions) to ignore.
type IgnoreRule struct {
	IgnoreEvent []string `toml:"ignore-event" json:"ignore-event"`
	IgnoreSQL   []string `toml:"ignore-sql" json:"ignore-sql"`
}

// FromMigrateRules builds the binlog event filter and the router of the
// drainer's table-migrate-rule list, as the original does: each rule's
// named binlog-filter rules become Ignore rules on its source patterns
// (several on the same source are combined into one), and a rule with a
// target becomes a route. forOracle prepends the Oracle sink's Do rule
// (only row events, TRUNCATE TABLE and ALTER TABLE ... TRUNCATE PARTITION
// pass). A nil result means no rules of that kind.
func FromMigrateRules(caseSensitive bool, rules []MigrateRule, named map[string]IgnoreRule, forOracle bool) (*EventFilter, *Router, error) {
	var routes []RouteRule
	var events []EventRule
	index := map[[2]string]int{}
	for _, r := range rules {
		if r.Target != nil {
			routes = append(routes, RouteRule{SchemaPattern: r.Source.Schema, TablePattern: r.Source.Table,
				TargetSchema: r.Target.Schema, TargetTable: r.Target.Table})
		}
		for _, name := range r.BinlogFilterRule {
			ir, ok := named[name]
			if !ok {
				return nil, nil, fmt.Errorf("filter: binlog-filter-rule %q not found", name)
			}
			key := [2]string{r.Source.Schema, r.Source.Table}
			i, seen := index[key]
			if !seen {
				i = len(events)
				index[key] = i
				events = append(events, EventRule{SchemaPattern: key[0], TablePattern: key[1], Action: Ignore})
			}
			for _, e := range ir.IgnoreEvent {
				events[i].Events = append(events[i].Events, EventType(e))
			}
			events[i].SQLPattern = append(events[i].SQLPattern, ir.IgnoreSQL...)
		}
	}
	if forOracle {
		events = slices.Insert(events, 0, oracleRule())
	}
	var ef *EventFilter
	var router *Router
	var err error
	if len(events) > 0 {
		if ef, err = NewEventFilter(caseSensitive, events); err != nil {
			return nil, nil, err
		}
	}
	if len(routes) > 0 {
		if router, err = NewRouter(caseSensitive, routes); err != nil {
			return nil, nil, err
		}
	}
	return ef, router, nil
}

// oracleRule lets through only what the Oracle sink supports.
func oracleRule() EventRule {
	return EventRule{
		SchemaPattern: "*", TablePattern: "*", Action: Do,
		Events:     []EventType{TruncateTable, AlterTable, AllDML},
		SQLPattern: []string{".*truncate table.*", ".*alter table.*truncate partition.*"},
	}
}
