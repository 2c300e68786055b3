package loader

import (
	"sort"
	"strings"
)

// quoteName quotes an identifier with backticks.
func quoteName(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// quoteTable quotes `schema`.`table`.
func quoteTable(schema, table string) string {
	return quoteName(schema) + "." + quoteName(table)
}

// rowChange is a DML resolved against its downstream table: the columns it
// writes (sorted, generated and, in partial mode, unknown columns left out)
// and its WHERE key.
type rowChange struct {
	dml  *DML
	txn  *Txn
	info *tableInfo
	// table is the quoted `db`.`table`.
	table string
	// cols are the sorted column names of dml.Values that are written.
	cols []string
	// whereCols are the columns of the WHERE clause (old values for an
	// update, values for a delete); keyed says they form a unique key.
	whereCols []string
	keyed     bool
	// mode is the sync mode the row was resolved with.
	mode SyncMode
	// replace makes an insert a REPLACE (merged rows).
	replace bool
	// keys memoizes causalityKeys.
	keys []string
}

func newRowChange(txn *Txn, dml *DML, info *tableInfo, mode SyncMode) *rowChange {
	rc := &rowChange{dml: dml, txn: txn, info: info, table: quoteTable(dml.Database, dml.Table), mode: mode}
	rc.cols = writableColumns(dml.Values, info, mode)
	switch dml.Tp {
	case UpdateDMLType:
		rc.whereCols, rc.keyed = whereColumns(dml.OldValues, info, mode)
	case DeleteDMLType:
		rc.whereCols, rc.keyed = whereColumns(dml.Values, info, mode)
	}
	return rc
}

// writableColumns returns the sorted names of values that are written:
// generated columns are never written; in partial-column mode only the
// downstream's columns are.
//
// When values has exactly the table's writable columns (the usual case) the
// result is the table's shared sorted list, which callers must not modify:
// no allocation or sort per row, and rows of one shape share one slice.
func writableColumns(values map[string]any, info *tableInfo, mode SyncMode) []string {
	if hasExactly(values, info.sortedColumns) {
		return info.sortedColumns
	}
	cols := make([]string, 0, len(values))
	for c := range values {
		if _, gen := info.generated[c]; gen {
			continue
		}
		if mode == PartialColumn {
			if _, ok := info.colSet[c]; !ok {
				continue
			}
		}
		cols = append(cols, c)
	}
	sort.Strings(cols)
	return cols
}

// whereColumns picks the first unique key whose values are all present and
// non-NULL; without one it falls back to every written column (sorted).
func whereColumns(values map[string]any, info *tableInfo, mode SyncMode) ([]string, bool) {
	for _, k := range info.uniqueKeys {
		if allNonNull(values, k.columns) {
			return k.columns, true
		}
	}
	return writableColumns(values, info, mode), false
}

// hasExactly tells whether the keys of values are exactly cols.
func hasExactly(values map[string]any, cols []string) bool {
	if len(values) != len(cols) {
		return false
	}
	for _, c := range cols {
		if _, ok := values[c]; !ok {
			return false
		}
	}
	return true
}

func allNonNull(values map[string]any, cols []string) bool {
	for _, c := range cols {
		if v, ok := values[c]; !ok || v == nil {
			return false
		}
	}
	return true
}

// stmt is one statement with its arguments.
type stmt struct {
	sql  string
	args []any
}

// insertSQL is `INSERT INTO t(cols) VALUES(?…)` (REPLACE when replace).
func (rc *rowChange) insertSQL(replace bool) stmt {
	var b strings.Builder
	args := make([]any, 0, len(rc.cols))
	writeInsertHead(&b, rc.table, rc.cols, replace)
	args = appendValues(&b, args, rc.cols, rc.dml.Values)
	return stmt{b.String(), args}
}

func writeInsertHead(b *strings.Builder, table string, cols []string, replace bool) {
	if replace {
		b.WriteString("REPLACE INTO ")
	} else {
		b.WriteString("INSERT INTO ")
	}
	b.WriteString(table)
	b.WriteByte('(')
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quoteName(c))
	}
	b.WriteString(") VALUES")
}

// appendValues writes one `(?,?…)` tuple and appends its arguments.
func appendValues(b *strings.Builder, args []any, cols []string, values map[string]any) []any {
	b.WriteByte('(')
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('?')
		args = append(args, values[c])
	}
	b.WriteByte(')')
	return args
}

// updateSQL is `UPDATE t SET c = ?… WHERE <key> LIMIT 1`.
func (rc *rowChange) updateSQL() stmt {
	var b strings.Builder
	args := make([]any, 0, len(rc.cols)+len(rc.whereCols))
	b.WriteString("UPDATE ")
	b.WriteString(rc.table)
	b.WriteString(" SET ")
	for i, c := range rc.cols {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(quoteName(c))
		b.WriteString(" = ?")
		args = append(args, rc.dml.Values[c])
	}
	args = writeWhere(&b, args, rc.whereCols, rc.dml.OldValues)
	b.WriteString(" LIMIT 1")
	return stmt{b.String(), args}
}

// deleteSQL is `DELETE FROM t WHERE <key> LIMIT 1`, keyed by the old values
// of an update or the values of a delete.
func (rc *rowChange) deleteSQL() stmt {
	var b strings.Builder
	values := rc.dml.Values
	if rc.dml.Tp == UpdateDMLType {
		values = rc.dml.OldValues
	}
	args := make([]any, 0, len(rc.whereCols))
	b.WriteString("DELETE FROM ")
	b.WriteString(rc.table)
	args = writeWhere(&b, args, rc.whereCols, values)
	b.WriteString(" LIMIT 1")
	return stmt{b.String(), args}
}

func writeWhere(b *strings.Builder, args []any, cols []string, values map[string]any) []any {
	b.WriteString(" WHERE ")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(quoteName(c))
		v := values[c]
		if v == nil {
			b.WriteString(" IS NULL")
			continue
		}
		b.WriteString(" = ?")
		args = append(args, v)
	}
	return args
}

// normalSQL is the statement of the original loader in normal mode.
func (rc *rowChange) normalSQL() []stmt {
	switch rc.dml.Tp {
	case InsertDMLType:
		return []stmt{rc.insertSQL(false)}
	case UpdateDMLType:
		return []stmt{rc.updateSQL()}
	default:
		return []stmt{rc.deleteSQL()}
	}
}

// safeSQL is what the original loader runs in safe mode: REPLACE for an
// insert, DELETE (old key) then REPLACE for an update.
func (rc *rowChange) safeSQL() []stmt {
	switch rc.dml.Tp {
	case InsertDMLType:
		return []stmt{rc.insertSQL(true)}
	case UpdateDMLType:
		return []stmt{rc.deleteSQL(), rc.insertSQL(true)}
	default:
		return []stmt{rc.deleteSQL()}
	}
}
