package loader

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// maxChunkRetries bounds the attempts of one downstream transaction on
// transient errors (the original: 100 attempts, 1 s apart).
const maxChunkRetries = 100

func backoff(attempt int) time.Duration {
	d := 50 * time.Millisecond << min(attempt, 5)
	return min(d, time.Second)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// applyWithRetry runs rows as one downstream transaction, retrying
// transient errors on a fresh connection. A retry runs in safe mode: the
// failed attempt may have committed (a connection lost during COMMIT), and
// REPLACE / DELETE+REPLACE make the replay idempotent.
func (l *Loader) applyWithRetry(ctx context.Context, w *worker, rows []*rowChange) error {
	var err error
	for attempt := 0; attempt < maxChunkRetries; attempt++ {
		if attempt > 0 {
			if werr := sleepCtx(ctx, backoff(attempt)); werr != nil {
				return werr
			}
		}
		safe := l.safe.Load() || attempt > 0
		err = w.applyOnce(ctx, rows, safe)
		if err == nil {
			return nil
		}
		w.dropConn(true)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		switch classify(err) {
		case classRetry:
			l.lg.Warn("retry downstream transaction", zap.Int("attempt", attempt+1), zap.Int("rows", len(rows)), zap.Error(err))
		case classUnknownColumn:
			if l.opts.SyncMode != PartialColumn {
				return l.applyError(rows, err)
			}
			if rerr := l.refresh(ctx, rows); rerr != nil {
				return rerr
			}
		default:
			return l.applyError(rows, err)
		}
	}
	return l.applyError(rows, err)
}

func (w *worker) applyOnce(ctx context.Context, rows []*rowChange, safe bool) error {
	conn, err := w.connection(ctx)
	if err != nil {
		return err
	}
	return w.l.applyChunk(ctx, conn, w.id, rows, safe)
}

// refresh re-reads the table infos of rows and re-resolves them.
func (l *Loader) refresh(ctx context.Context, rows []*rowChange) error {
	for _, rc := range rows {
		l.tables.evict(rc.dml.Database, rc.dml.Table)
	}
	for i, rc := range rows {
		info, err := l.tables.get(ctx, rc.dml.Database, rc.dml.Table)
		if err != nil {
			return l.applyError(rows[i:i+1], err)
		}
		fresh := newRowChange(rc.txn, rc.dml, info, l.opts.SyncMode)
		fresh.replace = rc.replace
		rows[i] = fresh
	}
	return nil
}

// applyError names the first row's table, operation and commit ts; the
// statement's values are not included.
func (l *Loader) applyError(rows []*rowChange, err error) error {
	if len(rows) == 0 {
		return &ApplyError{Op: "apply", Err: err}
	}
	rc := rows[0]
	return &ApplyError{Table: rc.table, Op: rc.dml.Tp.String(), CommitTS: rc.txn.CommitTS, Err: err}
}
