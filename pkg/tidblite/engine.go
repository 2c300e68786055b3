package tidblite

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/dolthub/go-mysql-server/memory"
	"github.com/dolthub/go-mysql-server/sql"
)

// Direct access to the engine for tidb-lite's own work (reading the shape
// of a table after a DDL, scanning rows, replaying other instances' DDL).
// These run on private sessions whose row changes are not recorded.

// engineCtx returns a context on a fresh engine session.
func (s *Server) engineCtx(ctx context.Context, db string) *sql.Context {
	sess := memory.NewSession(sql.NewBaseSession(), s.memProvider)
	c := sql.NewContext(ctx, sql.WithSession(sess))
	if db != "" {
		c.SetCurrentDatabase(db)
	}
	return c
}

// engineTable returns a table as the engine has it now.
func (s *Server) engineTable(c *sql.Context, db, table string) (sql.Table, error) {
	d, err := s.memProvider.Database(c, db)
	if err != nil {
		return nil, fmt.Errorf("find database %s: %w", db, err)
	}
	t, ok, err := d.GetTableInsensitive(c, table)
	if err != nil {
		return nil, fmt.Errorf("find table %s.%s: %w", db, table, err)
	}
	if !ok {
		return nil, fmt.Errorf("find table %s.%s: %w", db, table, sql.ErrTableNotFound.New(table))
	}
	return t, nil
}

// shapeOf reads a table's columns and indexes.
func (s *Server) shapeOf(ctx context.Context, db, table string) (tableShape, *sql.Context, error) {
	c := s.engineCtx(ctx, db)
	t, err := s.engineTable(c, db, table)
	if err != nil {
		return tableShape{}, nil, err
	}
	shape := tableShape{name: t.Name(), schema: t.Schema()}
	if it, ok := t.(sql.IndexAddressableTable); ok {
		if shape.indexes, err = it.GetIndexes(c); err != nil {
			return tableShape{}, nil, fmt.Errorf("list indexes of %s.%s: %w", db, table, err)
		}
	}
	return shape, c, nil
}

// scanRows reads every row of a table in the engine's order.
func (s *Server) scanRows(ctx context.Context, db, table string) ([]sql.Row, error) {
	c := s.engineCtx(ctx, db)
	t, err := s.engineTable(c, db, table)
	if err != nil {
		return nil, err
	}
	parts, err := t.Partitions(c)
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	defer parts.Close(c)
	var out []sql.Row
	for {
		p, err := parts.Next(c)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("next partition: %w", err)
		}
		it, err := t.PartitionRows(c, p)
		if err != nil {
			return nil, fmt.Errorf("scan partition: %w", err)
		}
		rows, err := sql.RowIterToRows(c, it)
		if err != nil {
			return nil, fmt.Errorf("scan rows: %w", err)
		}
		out = append(out, rows...)
	}
}

// execInternal runs a statement on a private session (autocommit).
func (s *Server) execInternal(ctx context.Context, db, query string) error {
	c := s.engineCtx(ctx, db)
	_, iter, _, err := s.engine.Query(c, query)
	if err != nil {
		return fmt.Errorf("run %q: %w", query, err)
	}
	if _, err := sql.RowIterToRows(c, iter); err != nil {
		return fmt.Errorf("run %q: %w", query, err)
	}
	return nil
}
