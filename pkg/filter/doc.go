// Package filter decides which schemas, tables, row events and DDLs the
// drainer and reparo replicate, and where the Oracle sink routes them.
//
//   - Filter: the table filter of ignore-schemas, ignore-table,
//     replicate-do-db and replicate-do-table (reparo: replicate-ignore-db
//     and replicate-ignore-table too). A name starting with `~` is a regular
//     expression (unanchored, like the original); any other name matches
//     the whole name literally. Names compare case-insensitively unless
//     Rules.CaseSensitive. When any do-rule is set, only what a do-rule
//     matches passes; then anything an ignore-rule matches is dropped.
//   - EventFilter: the tidb-tools binlog-filter rules (schema/table glob
//     patterns, events such as insert, delete or "truncate table", SQL
//     regular expressions, action Ignore or Do).
//   - Router: the tidb-tools table-router rules of table-migrate-rule.
//   - FromMigrateRules builds both from the drainer's table-migrate-rule and
//     binlog-filter-rule sections, the way the original drainer does.
package filter
