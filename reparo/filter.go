package reparo

import (
	"fmt"

	"github.com/openbinlog/tidb-binlog/pkg/filter"
)

// TableName names a table in the replicate-do-table and
// replicate-ignore-table lists (TOML keys db-name and tbl-name); a name
// starting with '~' is a regular expression.
type TableName = filter.TableName

// newTableFilter builds the filter of the replicate-* keys with the
// drainer's rules (pkg/filter).
func newTableFilter(cfg *Config) (*filter.Filter, error) {
	f, err := filter.New(filter.Rules{
		DoDBs: cfg.DoDBs, DoTables: cfg.DoTables, IgnoreDBs: cfg.IgnoreDBs, IgnoreTables: cfg.IgnoreTables,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return f, nil
}
