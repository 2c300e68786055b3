package loader

import (
	"context"
	"database/sql"
	"strings"
	"time"
)

// maxPacketBytes caps the size of one multi-statement request (SQL text
// plus an estimate of the interpolated arguments), well under MySQL's
// default max_allowed_packet.
const maxPacketBytes = 4 << 20

// buildStatements turns a chunk into statements: each row change's SQL of
// the mode, with consecutive inserts into one table with the same columns
// folded into one multi-row INSERT (or REPLACE), in order.
func buildStatements(rows []*rowChange, safe bool) []stmt {
	out := make([]stmt, 0, len(rows))
	for i := 0; i < len(rows); {
		rc := rows[i]
		j := i + 1
		switch {
		case rc.upsertable() && i+1 < len(rows) && sameUpsertShape(rc, rows[i+1]):
			// (A lone update keeps the original's UPDATE statement.)
			j = foldRun(rows, i, sameUpsertShape)
			out = append(out, upsertSQL(rows[i:j]))
		case rc.dml.Tp == InsertDMLType:
			j = foldRun(rows, i, sameInsertShape)
			out = append(out, multiInsertSQL(rows[i:j], safe || rc.replace))
		case rc.dml.Tp == DeleteDMLType && rc.keyed:
			j = foldRun(rows, i, sameDeleteShape)
			out = append(out, bulkDeleteSQL(rows[i:j]))
		case safe:
			out = append(out, rc.safeSQL()...)
		default:
			out = append(out, rc.normalSQL()...)
		}
		i = j
	}
	return out
}

// foldRun returns the end of the run of rows from i that same allows to
// fold into one statement (bounded in size).
func foldRun(rows []*rowChange, i int, same func(a, b *rowChange) bool) int {
	j := i + 1
	size := rows[i].approxSize()
	for j < len(rows) && same(rows[i], rows[j]) && size < maxPacketBytes/2 {
		size += rows[j].approxSize()
		j++
	}
	return j
}

// upsertable tells a row change that sets a whole row found by its primary
// key in a table whose only unique key is the primary key: an update that
// keeps the key, or a merged REPLACE. Such rows fold into one
// INSERT … ON DUPLICATE KEY UPDATE, which with a single unique key sets
// exactly the row the UPDATE (or the safe mode's DELETE + REPLACE, or the
// merged REPLACE) would: the row of that key ends with the new values. (An
// UPDATE of a row missing downstream writes it, as safe mode does.)
func (rc *rowChange) upsertable() bool {
	if !rc.info.hasPK || len(rc.info.uniqueKeys) != 1 {
		return false
	}
	switch {
	case rc.dml.Tp == InsertDMLType:
		return rc.replace
	case rc.dml.Tp == UpdateDMLType:
		pk := rc.info.uniqueKeys[0].columns
		// The key must be exactly the same: under a binary collation
		// 'A' -> 'a' moves the row, and the UPDATE must handle it.
		return rc.keyed && sameColumns(rc.whereCols, pk) && allNonNull(rc.dml.Values, pk) &&
			sameValues(pk, rc.dml.Values, rc.dml.OldValues)
	}
	return false
}

func sameUpsertShape(a, b *rowChange) bool {
	return a.table == b.table && b.upsertable() && sameColumns(a.cols, b.cols)
}

// upsertSQL is `INSERT INTO t(cols) VALUES(?…),… ON DUPLICATE KEY UPDATE
// c=VALUES(c),…` for upsertable rows of one shape.
func upsertSQL(rows []*rowChange) stmt {
	first := rows[0]
	var b strings.Builder
	args := make([]any, 0, len(rows)*len(first.cols))
	writeInsertHead(&b, first.table, first.cols, false)
	for i, rc := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		args = appendValues(&b, args, first.cols, rc.dml.Values)
	}
	b.WriteString(" ON DUPLICATE KEY UPDATE ")
	for i, c := range first.cols {
		if i > 0 {
			b.WriteByte(',')
		}
		q := quoteName(c)
		b.WriteString(q)
		b.WriteString("=VALUES(")
		b.WriteString(q)
		b.WriteByte(')')
	}
	return stmt{b.String(), args}
}

func sameDeleteShape(a, b *rowChange) bool {
	return b.dml.Tp == DeleteDMLType && b.keyed && a.table == b.table && sameColumns(a.whereCols, b.whereCols)
}

// bulkDeleteSQL deletes rows by unique key, non-NULL: `DELETE FROM t WHERE
// k IN (?,…)` or `WHERE (a = ? AND b = ?) OR …` for a composite key. Each
// key matches at most one row, so it equals the single DELETEs with LIMIT 1.
func bulkDeleteSQL(rows []*rowChange) stmt {
	if len(rows) == 1 {
		return rows[0].deleteSQL()
	}
	first := rows[0]
	cols := first.whereCols
	var b strings.Builder
	args := make([]any, 0, len(rows)*len(cols))
	b.WriteString("DELETE FROM ")
	b.WriteString(first.table)
	b.WriteString(" WHERE ")
	if len(cols) == 1 {
		b.WriteString(quoteName(cols[0]))
		b.WriteString(" IN (")
		for i, rc := range rows {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('?')
			args = append(args, rc.dml.Values[cols[0]])
		}
		b.WriteByte(')')
		return stmt{b.String(), args}
	}
	for i, rc := range rows {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteByte('(')
		for k, c := range cols {
			if k > 0 {
				b.WriteString(" AND ")
			}
			b.WriteString(quoteName(c))
			b.WriteString(" = ?")
			args = append(args, rc.dml.Values[c])
		}
		b.WriteByte(')')
	}
	return stmt{b.String(), args}
}

func sameColumns(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true
	}
	for k := range a {
		if a[k] != b[k] {
			return false
		}
	}
	return true
}

func sameInsertShape(a, b *rowChange) bool {
	return b.dml.Tp == InsertDMLType && a.table == b.table && a.replace == b.replace && sameColumns(a.cols, b.cols)
}

// multiInsertSQL is `INSERT INTO t(cols) VALUES(?…),(?…)…` for rows of one shape.
func multiInsertSQL(rows []*rowChange, replace bool) stmt {
	if len(rows) == 1 {
		return rows[0].insertSQL(replace)
	}
	first := rows[0]
	var b strings.Builder
	b.Grow(len(first.table) + 32 + len(first.cols)*(16+2*len(rows)))
	args := make([]any, 0, len(rows)*len(first.cols))
	writeInsertHead(&b, first.table, first.cols, replace)
	for i, rc := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		args = appendValues(&b, args, first.cols, rc.dml.Values)
	}
	return stmt{b.String(), args}
}

// approxSize estimates the bytes a row change adds to a request.
func (rc *rowChange) approxSize() int {
	n := 16
	for _, v := range rc.dml.Values {
		n += valueSize(v) + 4
	}
	for _, v := range rc.dml.OldValues {
		n += valueSize(v) + 4
	}
	return n
}

func valueSize(v any) int {
	switch x := v.(type) {
	case string:
		return 2*len(x) + 2
	case []byte:
		return 2*len(x) + 10
	default:
		return 24
	}
}

// packStatements joins statements into multi-statement requests of at most
// maxPacketBytes (a single larger statement goes alone).
func packStatements(stmts []stmt) []stmt {
	if len(stmts) <= 1 {
		return stmts
	}
	var out []stmt
	var b strings.Builder
	var args []any
	size := 0
	flush := func() {
		if b.Len() > 0 {
			out = append(out, stmt{b.String(), args})
			b.Reset()
			args = nil
			size = 0
		}
	}
	for _, s := range stmts {
		sz := len(s.sql) + argsSize(s.args)
		if size > 0 && size+sz > maxPacketBytes {
			flush()
		}
		if b.Len() > 0 {
			b.WriteByte(';')
		}
		b.WriteString(s.sql)
		args = append(args, s.args...)
		size += sz
	}
	flush()
	return out
}

func argsSize(args []any) int {
	n := 0
	for _, a := range args {
		n += valueSize(a)
	}
	return n
}

// applyChunk runs rows in one downstream transaction on conn.
func (l *Loader) applyChunk(ctx context.Context, conn *sql.Conn, worker int, rows []*rowChange, safe bool) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if l.opts.Loopback != nil {
		start := time.Now()
		if _, err := tx.ExecContext(ctx, markUpdateSQL, worker, l.opts.Loopback.ChannelID); err != nil {
			_ = tx.Rollback()
			return err
		}
		l.metrics.observeQuery("update_mark_table", time.Since(start))
	}
	start := time.Now()
	for _, s := range packStatements(buildStatements(rows, safe)) {
		if _, err := tx.ExecContext(ctx, s.sql, s.args...); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	l.metrics.observeQuery("exec", time.Since(start))
	start = time.Now()
	if err := tx.Commit(); err != nil {
		return err
	}
	l.metrics.observeQuery("commit", time.Since(start))
	for _, rc := range rows {
		l.metrics.dmlEvent(rc.dml.Tp)
	}
	return nil
}
