package reparo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
)

// ErrUnreachable wraps a destination database that cannot be reached.
var ErrUnreachable = errors.New("reparo: destination database unreachable")

// connectTimeout bounds the first contact with dest-db.
const connectTimeout = 10 * time.Second

// openDest builds the destination of the configured type and the
// checkpoint keeper that goes with it.
func (r *Reparo) openDest(ctx context.Context) (destination, error) {
	r.res = &resumer{lg: r.lg, forcedSafe: r.cfg.SafeMode}
	switch r.cfg.DestType {
	case DestPrint:
		if r.cfg.Resume && r.cfg.CheckpointFile != "" {
			r.res.store = &fileCheckpoint{path: r.cfg.CheckpointFile}
		}
		return newPrintDest(r.deps.Stdout, r.applied), nil
	case DestMemory:
		r.mem = &MemoryDest{tr: newTranslatorIn(r.loc), done: r.applied}
		return r.mem, nil
	case DestMySQL:
		db, err := r.openDB(ctx)
		if err != nil {
			return nil, err
		}
		if r.cfg.Resume {
			store, err := newDBCheckpoint(ctx, db)
			if err != nil {
				return nil, err
			}
			r.res.store = store
		}
		d, err := r.newLoaderDest(ctx, db, r.cfg.SafeMode)
		if err != nil {
			return nil, err
		}
		r.res.safe = d
		return d, nil
	case DestUndo:
		u := &undoDest{out: r.deps.Stdout, tr: newTranslatorIn(r.loc)}
		if r.cfg.Apply {
			db, err := r.openDB(ctx)
			if err != nil {
				return nil, err
			}
			if u.apply, err = r.newLoaderDest(ctx, db, false); err != nil {
				return nil, err
			}
		}
		return u, nil
	}
	return nil, fmt.Errorf("%w: dest type %q", ErrInvalidConfig, r.cfg.DestType)
}

// openDB connects to dest-db (or returns Deps.DB) with the session time
// zone UTC: the file sink wrote TIMESTAMP values in the drainer host's local
// time, and the translation moves them to UTC (taking this host's local
// time zone as the drainer's).
func (r *Reparo) openDB(ctx context.Context) (*sql.DB, error) {
	if r.deps.DB != nil {
		return r.deps.DB, nil
	}
	c := r.cfg.DestDB
	cfg := loader.DBConfig{
		Host: c.Host, Port: c.Port, User: c.User, Password: c.Password,
		Params: map[string]string{"time_zone": "'+00:00'"},
	}
	db, err := loader.OpenDB(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnreachable, cfg, err)
	}
	pctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrUnreachable, cfg, err)
	}
	r.ownDB = db
	return db, nil
}

// newLoaderDest starts a loader on db with the configured workers and batch.
func (r *Reparo) newLoaderDest(ctx context.Context, db *sql.DB, safe bool) (*loaderDest, error) {
	opts := loader.DefaultOptions()
	opts.WorkerCount = r.cfg.WorkerCount
	opts.BatchSize = r.cfg.TxnBatch
	opts.SafeMode = safe
	opts.Logger = r.lg
	opts.Registerer = r.deps.Registerer
	ld, err := loader.New(db, opts)
	if err != nil {
		return nil, fmt.Errorf("create loader: %w", err)
	}
	return newLoaderDest(ctx, ld, newTranslatorIn(r.loc), r.applied), nil
}
