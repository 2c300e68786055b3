package filter

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
)

// Action is what a binlog-filter rule does with what it matches.
type Action string

// Actions.
const (
	Ignore Action = "Ignore"
	Do     Action = "Do"
)

// EventType is a row event or DDL kind of the binlog-filter rules.
type EventType string

// Event types (tidb-tools names).
const (
	AllEvent EventType = "all"
	AllDDL   EventType = "all ddl"
	AllDML   EventType = "all dml"

	NoneEvent EventType = "none"
	NoneDDL   EventType = "none ddl"
	NoneDML   EventType = "none dml"

	InsertEvent EventType = "insert"
	UpdateEvent EventType = "update"
	DeleteEvent EventType = "delete"

	CreateDatabase EventType = "create database"
	DropDatabase   EventType = "drop database"
	AlterDatabase  EventType = "alter database"
	CreateTable    EventType = "create table"
	DropTable      EventType = "drop table"
	TruncateTable  EventType = "truncate table"
	RenameTable    EventType = "rename table"
	CreateIndex    EventType = "create index"
	DropIndex      EventType = "drop index"
	CreateView     EventType = "create view"
	DropView       EventType = "drop view"
	AlterTable     EventType = "alter table"

	// NullEvent is a statement of no listed kind: only sql-pattern applies.
	NullEvent EventType = ""
)

// ErrBadEventType rejects an unknown event name.
var ErrBadEventType = errors.New("filter: unknown binlog-filter event type")

// eventClass is "dml", "ddl" or "" (NullEvent).
func eventClass(e EventType) (string, error) {
	switch e {
	case InsertEvent, UpdateEvent, DeleteEvent:
		return "dml", nil
	case CreateDatabase, DropDatabase, AlterDatabase, CreateTable, DropTable, TruncateTable,
		RenameTable, CreateIndex, DropIndex, CreateView, DropView, AlterTable:
		return "ddl", nil
	case NullEvent:
		return "", nil
	}
	return "", fmt.Errorf("%w: %q", ErrBadEventType, string(e))
}

// ParseEventType reads an event name of a rule (any case; `create schema`,
// `drop schema`, `alter schema` and `add index` are aliases).
func ParseEventType(s string) (EventType, error) {
	e := EventType(strings.ToLower(strings.TrimSpace(s)))
	switch e {
	case "create schema":
		return CreateDatabase, nil
	case "drop schema":
		return DropDatabase, nil
	case "alter schema":
		return AlterDatabase, nil
	case "add index":
		return CreateIndex, nil
	case AllEvent, AllDDL, AllDML, NoneEvent, NoneDDL, NoneDML:
		return e, nil
	}
	if class, err := eventClass(e); err != nil || class == "" {
		return "", fmt.Errorf("%w: %q", ErrBadEventType, s)
	}
	return e, nil
}

// EventRule is one binlog-filter rule.
type EventRule struct {
	SchemaPattern string
	TablePattern  string // "" makes a schema-level rule
	Events        []EventType
	SQLPattern    []string // regular expressions, matched case-insensitively
	Action        Action
}

type compiledRule struct {
	events []EventType
	sql    *regexp.Regexp
	action Action
}

// EventFilter applies binlog-filter rules. A nil *EventFilter does
// everything.
type EventFilter struct {
	caseSensitive bool
	rules         selector[*compiledRule]
}

// NewEventFilter compiles the rules. Two rules with the same schema and
// table patterns are an error (combine them first, as FromMigrateRules
// does).
func NewEventFilter(caseSensitive bool, rules []EventRule) (*EventFilter, error) {
	f := &EventFilter{caseSensitive: caseSensitive}
	for _, r := range rules {
		c, err := compileRule(r)
		if err != nil {
			return nil, err
		}
		schema, table := r.SchemaPattern, r.TablePattern
		if !caseSensitive {
			schema, table = strings.ToLower(schema), strings.ToLower(table)
		}
		if err := f.rules.insert(schema, table, c); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func compileRule(r EventRule) (*compiledRule, error) {
	if r.Action != Do && r.Action != Ignore {
		return nil, fmt.Errorf("filter: rule for %q.%q: action must be Do or Ignore, not %q",
			r.SchemaPattern, r.TablePattern, r.Action)
	}
	c := &compiledRule{action: r.Action}
	for _, e := range r.Events {
		et, err := ParseEventType(string(e))
		if err != nil {
			return nil, err
		}
		c.events = append(c.events, et)
	}
	if len(r.SQLPattern) > 0 {
		re, err := regexp.Compile("(?i)" + strings.Join(r.SQLPattern, "|"))
		if err != nil {
			return nil, fmt.Errorf("filter: sql-pattern %q: %w", r.SQLPattern, err)
		}
		c.sql = re
	}
	return c, nil
}

// Filter returns Ignore when a matching rule drops the event (or the
// statement query, when not empty): an Ignore rule that lists the event or
// whose sql-pattern matches, or a Do rule that does not list the event or
// whose sql-pattern does not match. Otherwise it returns Do.
func (f *EventFilter) Filter(schema, table string, event EventType, query string) (Action, error) {
	if f == nil {
		return Do, nil
	}
	class, err := eventClass(event)
	if err != nil {
		return Ignore, err
	}
	if !f.caseSensitive {
		schema, table = strings.ToLower(schema), strings.ToLower(table)
	}
	schemaRules, tableRules := f.rules.match(schema, table)
	for _, r := range append(schemaRules, tableRules...) {
		if class != "" && matchEvent(class, event, r.events) == (r.action == Ignore) {
			return Ignore, nil
		}
		if query == "" || r.sql == nil {
			continue
		}
		if r.sql.MatchString(query) == (r.action == Ignore) {
			return Ignore, nil
		}
	}
	return Do, nil
}

// matchEvent reports whether the event is listed (the first of all/none
// and their dml/ddl forms decides).
func matchEvent(class string, event EventType, listed []EventType) bool {
	for _, e := range listed {
		switch {
		case e == AllEvent, class == "ddl" && e == AllDDL, class == "dml" && e == AllDML:
			return true
		case e == NoneEvent, class == "ddl" && e == NoneDDL, class == "dml" && e == NoneDML:
			return false
		case e == event:
			return true
		}
	}
	return false
}

// SkipDML reports whether a row event of schema.table is dropped.
func (f *EventFilter) SkipDML(schema, table string, tp loader.DMLType) bool {
	var e EventType
	switch tp {
	case loader.InsertDMLType:
		e = InsertEvent
	case loader.UpdateDMLType:
		e = UpdateEvent
	case loader.DeleteDMLType:
		e = DeleteEvent
	default:
		return false
	}
	action, _ := f.Filter(schema, table, e, "")
	return action == Ignore
}

// SkipDDL reports whether the DDL query on schema.table (table "" for a
// schema-level DDL) is dropped; its kind comes from DDLEventType.
func (f *EventFilter) SkipDDL(schema, table, query string) bool {
	action, _ := f.Filter(schema, table, DDLEventType(query), query)
	return action == Ignore
}
