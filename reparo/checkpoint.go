package reparo

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Where the mysql destination keeps its checkpoint.
const (
	CheckpointSchema = "tidb_binlog"
	CheckpointTable  = "reparo_checkpoint"
)

// Checkpoint is reparo's own progress record for one restore job (a data
// directory and a time range).
type Checkpoint struct {
	// Job names the restore: the absolute data directory.
	Job string `json:"job"`
	// StartTSO and StopTSO are the range of the run that wrote it; a run
	// with another range starts over.
	StartTSO int64 `json:"start-tso"`
	StopTSO  int64 `json:"stop-tso"`
	// CommitTS: every binlog of the range up to it is applied.
	CommitTS int64 `json:"commit-ts"`
	// SafeTS: binlogs up to it may have been handed to the destination
	// (applied or not); a resumed run replays them in safe mode.
	SafeTS int64 `json:"safe-ts"`
}

// checkpointStore persists a Checkpoint.
type checkpointStore interface {
	// Load returns the stored checkpoint of job, ok=false if none.
	Load(ctx context.Context, job string) (cp Checkpoint, ok bool, err error)
	Save(ctx context.Context, cp Checkpoint) error
}

// dbCheckpoint stores checkpoints in tidb_binlog.reparo_checkpoint of the
// destination.
type dbCheckpoint struct {
	db *sql.DB
}

var _ checkpointStore = (*dbCheckpoint)(nil)

func newDBCheckpoint(ctx context.Context, db *sql.DB) (*dbCheckpoint, error) {
	stmts := []string{
		"CREATE DATABASE IF NOT EXISTS `" + CheckpointSchema + "`",
		"CREATE TABLE IF NOT EXISTS `" + CheckpointSchema + "`.`" + CheckpointTable + "` (" +
			"`job` VARCHAR(512) NOT NULL PRIMARY KEY, `start_tso` BIGINT NOT NULL, `stop_tso` BIGINT NOT NULL, " +
			"`commit_ts` BIGINT NOT NULL, `safe_ts` BIGINT NOT NULL, " +
			"`update_time` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP)",
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("create checkpoint table: %w", err)
		}
	}
	return &dbCheckpoint{db: db}, nil
}

func (c *dbCheckpoint) Load(ctx context.Context, job string) (Checkpoint, bool, error) {
	cp := Checkpoint{Job: job}
	err := c.db.QueryRowContext(ctx, "SELECT `start_tso`, `stop_tso`, `commit_ts`, `safe_ts` FROM `"+
		CheckpointSchema+"`.`"+CheckpointTable+"` WHERE `job` = ?", job).
		Scan(&cp.StartTSO, &cp.StopTSO, &cp.CommitTS, &cp.SafeTS)
	if errors.Is(err, sql.ErrNoRows) {
		return Checkpoint{}, false, nil
	}
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("load checkpoint: %w", err)
	}
	return cp, true, nil
}

func (c *dbCheckpoint) Save(ctx context.Context, cp Checkpoint) error {
	_, err := c.db.ExecContext(ctx, "REPLACE INTO `"+CheckpointSchema+"`.`"+CheckpointTable+
		"` (`job`, `start_tso`, `stop_tso`, `commit_ts`, `safe_ts`) VALUES (?, ?, ?, ?, ?)",
		cp.Job, cp.StartTSO, cp.StopTSO, cp.CommitTS, cp.SafeTS)
	if err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return nil
}

// fileCheckpoint stores one checkpoint as JSON in a file, replaced
// atomically (temporary file, fsync, rename).
type fileCheckpoint struct {
	path string
}

var _ checkpointStore = (*fileCheckpoint)(nil)

func (c *fileCheckpoint) Load(_ context.Context, job string) (Checkpoint, bool, error) {
	b, err := os.ReadFile(c.path)
	if errors.Is(err, os.ErrNotExist) {
		return Checkpoint{}, false, nil
	}
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("load checkpoint: %w", err)
	}
	var cp Checkpoint
	if err := json.Unmarshal(b, &cp); err != nil {
		return Checkpoint{}, false, fmt.Errorf("load checkpoint %s: %w", c.path, err)
	}
	if cp.Job != job {
		return Checkpoint{}, false, nil
	}
	return cp, true, nil
}

func (c *fileCheckpoint) Save(_ context.Context, cp Checkpoint) error {
	b, err := json.Marshal(cp)
	if err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), filepath.Base(c.path)+".tmp*")
	if err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("save checkpoint: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("save checkpoint: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.path); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return nil
}
