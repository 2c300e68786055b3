package loader

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// indexInfo is one downstream unique key.
type indexInfo struct {
	name    string
	columns []string
}

// tableInfo is what the loader knows of a downstream table.
type tableInfo struct {
	// columns are the writable (non-generated) columns in table order.
	columns []string
	// sortedColumns are columns in name order (shared by the row changes
	// that write every column).
	sortedColumns []string
	colSet        map[string]struct{}
	// generated are the generated columns (never written).
	generated map[string]struct{}
	// uniqueKeys are the unique keys, PRIMARY first.
	uniqueKeys []indexInfo
	// hasPK tells whether uniqueKeys[0] is the PRIMARY key.
	hasPK bool
}

func newTableInfo(columns, generated []string, keys []indexInfo) *tableInfo {
	ti := &tableInfo{columns: columns, colSet: make(map[string]struct{}, len(columns)),
		generated: make(map[string]struct{}, len(generated))}
	for _, c := range columns {
		ti.colSet[c] = struct{}{}
	}
	ti.sortedColumns = append([]string(nil), columns...)
	sort.Strings(ti.sortedColumns)
	for _, c := range generated {
		ti.generated[c] = struct{}{}
	}
	for _, k := range keys {
		if strings.EqualFold(k.name, "PRIMARY") {
			ti.uniqueKeys = append([]indexInfo{k}, ti.uniqueKeys...)
			ti.hasPK = true
			continue
		}
		ti.uniqueKeys = append(ti.uniqueKeys, k)
	}
	return ti
}

// tableCache caches downstream table infos by quoted `db`.`table`.
type tableCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*tableInfo
}

func newTableCache(db *sql.DB) *tableCache {
	return &tableCache{db: db, m: map[string]*tableInfo{}}
}

func (c *tableCache) get(ctx context.Context, schema, table string) (*tableInfo, error) {
	key := quoteTable(schema, table)
	c.mu.RLock()
	ti, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return ti, nil
	}
	ti, err := loadTableInfo(ctx, c.db, schema, table)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.m[key] = ti
	c.mu.Unlock()
	return ti, nil
}

// evict forgets one table (table == "": every table of the schema).
func (c *tableCache) evict(schema, table string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if table != "" {
		delete(c.m, quoteTable(schema, table))
		return
	}
	prefix := quoteName(schema) + "."
	for k := range c.m {
		if strings.HasPrefix(k, prefix) {
			delete(c.m, k)
		}
	}
}

func loadTableInfo(ctx context.Context, db *sql.DB, schema, table string) (*tableInfo, error) {
	cols, gen, err := loadColumns(ctx, db, schema, table)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 && len(gen) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrTableNotFound, quoteTable(schema, table))
	}
	keys, err := loadUniqueKeys(ctx, db, schema, table)
	if err != nil {
		return nil, err
	}
	return newTableInfo(cols, gen, keys), nil
}

func loadColumns(ctx context.Context, db *sql.DB, schema, table string) (cols, gen []string, err error) {
	rows, err := db.QueryContext(ctx, "SELECT column_name, extra FROM information_schema.columns "+
		"WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position", schema, table)
	if err != nil {
		return nil, nil, fmt.Errorf("loader: read columns of %s: %w", quoteTable(schema, table), err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var extra sql.NullString
		if err := rows.Scan(&name, &extra); err != nil {
			return nil, nil, fmt.Errorf("loader: read columns of %s: %w", quoteTable(schema, table), err)
		}
		if isGenerated(extra.String) {
			gen = append(gen, name)
			continue
		}
		cols = append(cols, name)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("loader: read columns of %s: %w", quoteTable(schema, table), err)
	}
	return cols, gen, nil
}

// isGenerated tells a generated column from its `extra` (MySQL and MariaDB
// say "VIRTUAL GENERATED" or "STORED GENERATED"; MySQL 8 "DEFAULT_GENERATED"
// is an expression default and is writable).
func isGenerated(extra string) bool {
	e := strings.ToUpper(extra)
	return strings.Contains(e, "VIRTUAL GENERATED") || strings.Contains(e, "STORED GENERATED") ||
		strings.Contains(e, "PERSISTENT GENERATED")
}

func loadUniqueKeys(ctx context.Context, db *sql.DB, schema, table string) ([]indexInfo, error) {
	rows, err := db.QueryContext(ctx, "SELECT index_name, seq_in_index, column_name FROM information_schema.statistics "+
		"WHERE table_schema = ? AND table_name = ? AND non_unique = 0", schema, table)
	if err != nil {
		return nil, fmt.Errorf("loader: read unique keys of %s: %w", quoteTable(schema, table), err)
	}
	defer rows.Close()
	type col struct {
		seq  int
		name string
	}
	var order []string
	byIndex := map[string][]col{}
	for rows.Next() {
		var idx, name string
		var seq int
		if err := rows.Scan(&idx, &seq, &name); err != nil {
			return nil, fmt.Errorf("loader: read unique keys of %s: %w", quoteTable(schema, table), err)
		}
		if _, ok := byIndex[idx]; !ok {
			order = append(order, idx)
		}
		byIndex[idx] = append(byIndex[idx], col{seq, name})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loader: read unique keys of %s: %w", quoteTable(schema, table), err)
	}
	keys := make([]indexInfo, 0, len(order))
	for _, idx := range order {
		cs := byIndex[idx]
		sort.Slice(cs, func(i, j int) bool { return cs[i].seq < cs[j].seq })
		k := indexInfo{name: idx}
		for _, c := range cs {
			k.columns = append(k.columns, c.name)
		}
		keys = append(keys, k)
	}
	return keys, nil
}
