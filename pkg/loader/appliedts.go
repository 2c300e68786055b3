package loader

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
)

// appliedTS reads a TiDB downstream's current ts: the Position column of
// SHOW MASTER STATUS.
func (l *Loader) appliedTS(ctx context.Context) (int64, error) {
	rows, err := l.db.QueryContext(ctx, "SHOW MASTER STATUS")
	if err != nil {
		return 0, fmt.Errorf("loader: show master status: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, fmt.Errorf("loader: show master status: %w", err)
	}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("loader: show master status: %w", err)
		}
		return 0, fmt.Errorf("loader: show master status: no row")
	}
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return 0, fmt.Errorf("loader: show master status: %w", err)
	}
	for i, c := range cols {
		if c == "Position" {
			ts, err := strconv.ParseInt(string(vals[i]), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("loader: show master status position %q: %w", vals[i], err)
			}
			return ts, nil
		}
	}
	return 0, fmt.Errorf("loader: show master status: no Position column")
}
