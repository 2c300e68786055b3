package arbiter

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Status is the checkpoint's status column.
type Status int

// Checkpoint statuses (the original's values).
const (
	StatusNormal  Status = 0 // the last run exited cleanly
	StatusRunning Status = 1 // running, or the last run did not exit cleanly
)

// Default checkpoint location.
const (
	DefaultCheckpointSchema = "tidb_binlog"
	checkpointTable         = "arbiter_checkpoint"
)

// Checkpoint is the row of one topic in <schema>.arbiter_checkpoint.
type Checkpoint struct {
	db     *sql.DB
	schema string
	topic  string
}

// NewCheckpoint creates the schema and table if needed.
func NewCheckpoint(ctx context.Context, db *sql.DB, schema, topic string) (*Checkpoint, error) {
	if schema == "" {
		schema = DefaultCheckpointSchema
	}
	c := &Checkpoint{db: db, schema: schema, topic: topic}
	stmts := []string{
		fmt.Sprintf("CREATE DATABASE IF NOT EXISTS `%s`", schema),
		fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s(topic_name VARCHAR(255) PRIMARY KEY, ts BIGINT NOT NULL, status INT NOT NULL)",
			c.table()),
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("arbiter: create checkpoint table: %w", err)
		}
	}
	return c, nil
}

func (c *Checkpoint) table() string { return fmt.Sprintf("`%s`.`%s`", c.schema, checkpointTable) }

// Load reads the topic's row; found is false when there is none.
func (c *Checkpoint) Load(ctx context.Context) (ts int64, status Status, found bool, err error) {
	q := fmt.Sprintf("SELECT ts, status FROM %s WHERE topic_name = ?", c.table())
	err = c.db.QueryRowContext(ctx, q, c.topic).Scan(&ts, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, StatusNormal, false, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("arbiter: load checkpoint of %s: %w", c.topic, err)
	}
	return ts, status, true, nil
}

// Save writes the topic's row.
func (c *Checkpoint) Save(ctx context.Context, ts int64, status Status) error {
	q := fmt.Sprintf("REPLACE INTO %s(topic_name, ts, status) VALUES(?, ?, ?)", c.table())
	if _, err := c.db.ExecContext(ctx, q, c.topic, ts, int(status)); err != nil {
		return fmt.Errorf("arbiter: save checkpoint %d of %s: %w", ts, c.topic, err)
	}
	return nil
}
