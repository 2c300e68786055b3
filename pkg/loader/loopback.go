package loader

import (
	"context"
	"fmt"
)

// The loopback mark table (SPEC 5.7).
const (
	markSchema   = "retl"
	markTable    = "_drainer_repl_mark"
	markFullName = "`retl`.`_drainer_repl_mark`"

	markUpdateSQL = "update " + markFullName + " set val=val+1 where id=? and channel_id=? limit 1"
)

// MarkTableName is the quoted name of the loopback mark table; a drainer
// replicating the other way drops transactions that touch it.
func MarkTableName() (schema, table string) { return markSchema, markTable }

// initMarkTable creates the mark table and seeds one row per worker.
func (l *Loader) initMarkTable(ctx context.Context) error {
	lb := l.opts.Loopback
	stmts := []string{
		"CREATE DATABASE IF NOT EXISTS " + quoteName(markSchema),
		"CREATE TABLE IF NOT EXISTS " + markFullName + " (id bigint, channel_id bigint, val bigint DEFAULT 0, " +
			"channel_info varchar(64), PRIMARY KEY (id, channel_id))",
	}
	for _, s := range stmts {
		if _, err := l.db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("loader: create mark table: %w", err)
		}
	}
	for i := 0; i < l.workerSlots(); i++ {
		_, err := l.db.ExecContext(ctx, "INSERT INTO "+markFullName+" (id, channel_id, val, channel_info) VALUES (?, ?, 0, ?) "+
			"ON DUPLICATE KEY UPDATE channel_info = VALUES(channel_info)", i, lb.ChannelID, lb.ChannelInfo)
		if err != nil {
			return fmt.Errorf("loader: seed mark table: %w", err)
		}
	}
	return nil
}

// cleanMarkTable removes this channel's rows.
func (l *Loader) cleanMarkTable(ctx context.Context) error {
	_, err := l.db.ExecContext(ctx, "DELETE FROM "+markFullName+" WHERE channel_id = ?", l.opts.Loopback.ChannelID)
	if err != nil {
		return fmt.Errorf("loader: clean mark table: %w", err)
	}
	return nil
}
