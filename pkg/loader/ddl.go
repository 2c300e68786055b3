package loader

import (
	"context"
	"database/sql"
	"regexp"
	"strings"
	"time"

	"go.uber.org/zap"
)

var (
	placementComment = regexp.MustCompile(`(?is)/\*T!\[placement\].*?\*/`)
	placementClause  = regexp.MustCompile(`(?i)\s*PLACEMENT\s+POLICY\s*=?\s*(` + "`[^`]*`" + `|\w+)`)
	ttlEnable        = regexp.MustCompile(`(?i)TTL_ENABLE\s*=\s*'ON'`)
	ttlOption        = regexp.MustCompile(`(?i)\bTTL\s*=`)
	createDatabase   = regexp.MustCompile(`(?i)^\s*CREATE\s+(DATABASE|SCHEMA)\b`)
	tiflashReplica   = regexp.MustCompile(`(?i)\bSET\s+TIFLASH\s+REPLICA\b`)
)

// processDDLQuery prepares an upstream DDL for the downstream: placement
// options are removed (the downstream has its own placement) and TTL jobs
// are disabled (rows must only disappear when the upstream deletes them).
// The original re-rendered the statement with TiDB's parser; this keeps the
// text as is apart from those options, which gives the same statement for
// every DDL of the golden data.
func processDDLQuery(q string) string {
	q = placementComment.ReplaceAllString(q, "")
	q = placementClause.ReplaceAllString(q, "")
	if ttlOption.MatchString(q) {
		if ttlEnable.MatchString(q) {
			q = ttlEnable.ReplaceAllString(q, "TTL_ENABLE='OFF'")
		} else if !strings.Contains(strings.ToUpper(q), "TTL_ENABLE") {
			trimmed := strings.TrimRight(q, " \t\n;")
			q = trimmed + " TTL_ENABLE='OFF'" + q[len(trimmed):]
		}
	}
	return q
}

// ddlStatements are the statements run in one transaction for a DDL:
// “use `db`;“ (not for CREATE DATABASE) and the processed query.
func ddlStatements(d *DDL) []string {
	q := processDDLQuery(d.SQL)
	if d.Database == "" || createDatabase.MatchString(q) {
		return []string{q}
	}
	return []string{"use " + quoteName(d.Database) + ";", q}
}

const ddlRetries = 5

// execDDL runs a DDL, retrying transient errors, ignoring the errors that
// mean its effect is already there. The table info cache is evicted.
func (l *Loader) execDDL(ctx context.Context, txn *Txn) error {
	d := txn.DDL
	defer l.tables.evict(d.Database, d.Table)
	if d.ShouldSkip {
		return nil
	}
	stmts := ddlStatements(d)
	var err error
	for attempt := 0; attempt < ddlRetries; attempt++ {
		if attempt > 0 {
			if werr := sleepCtx(ctx, backoff(attempt)); werr != nil {
				return werr
			}
		}
		start := time.Now()
		err = runDDL(ctx, l.db, stmts)
		l.metrics.observeQuery("exec", time.Since(start))
		if err == nil {
			l.metrics.event("DDL")
			return nil
		}
		if isIgnorableDDLError(err) || tiflashReplica.MatchString(d.SQL) {
			l.lg.Warn("ignore DDL error", ddlFields(d, err)...)
			return nil
		}
		if classify(err) != classRetry {
			break
		}
		l.lg.Warn("retry DDL", ddlFields(d, err)...)
	}
	return &ApplyError{Table: quoteTable(d.Database, d.Table), Op: "ddl", CommitTS: txn.CommitTS, Err: err}
}

func ddlFields(d *DDL, err error) []zap.Field {
	return []zap.Field{zap.String("schema", d.Database), zap.String("table", d.Table), zap.Error(err)}
}

func runDDL(ctx context.Context, db *sql.DB, stmts []string) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}
