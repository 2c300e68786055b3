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
		if rc.dml.Tp != InsertDMLType {
			if safe {
				out = append(out, rc.safeSQL()...)
			} else {
				out = append(out, rc.normalSQL()...)
			}
			i++
			continue
		}
		j := i + 1
		size := rc.approxSize()
		for j < len(rows) && sameInsertShape(rc, rows[j]) && size < maxPacketBytes/2 {
			size += rows[j].approxSize()
			j++
		}
		out = append(out, multiInsertSQL(rows[i:j], safe))
		i = j
	}
	return out
}

func sameInsertShape(a, b *rowChange) bool {
	if b.dml.Tp != InsertDMLType || a.table != b.table || len(a.cols) != len(b.cols) {
		return false
	}
	for k := range a.cols {
		if a.cols[k] != b.cols[k] {
			return false
		}
	}
	return true
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
