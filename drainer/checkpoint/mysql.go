package checkpoint

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Defaults of MySQLConfig.
const (
	DefaultSchema = "tidb_binlog"
	DefaultTable  = "checkpoint"

	// saveAttempts spans a restart of the downstream server (seconds, more
	// on a loaded machine), as the loader's own retries do (about 95 s):
	// with 5 attempts the drainer exited when MariaDB took over 4 s to come
	// back, while its loader would have reconnected.
	saveAttempts         = 60
	defaultRetryInterval = time.Second
)

// MySQLConfig configures a MySQL/TiDB checkpoint.
type MySQLConfig struct {
	// ClusterID is the upstream cluster id, the row's key. 0 means unknown:
	// the id of the single existing row is used.
	ClusterID uint64
	// Schema and Table name the checkpoint table (DefaultSchema, DefaultTable when empty).
	Schema, Table string
	// InitialCommitTS is TS() when no checkpoint is stored or its commit ts is 0.
	InitialCommitTS int64
	// RetryInterval is the wait between the attempts of a save (1 s when 0).
	RetryInterval time.Duration
	// Logger (nil: no logs).
	Logger *zap.Logger
}

// mysqlState is the JSON stored in the checkPoint column.
type mysqlState struct {
	Consistent bool             `json:"consistent"`
	CommitTS   int64            `json:"commitTS"`
	TSMap      map[string]int64 `json:"ts-map"`
	Version    int64            `json:"schema-version"`
}

// MySQL is a checkpoint stored in a MySQL or TiDB table.
type MySQL struct {
	db        *sql.DB
	cfg       MySQLConfig
	clusterID uint64
	lg        *zap.Logger

	mu     sync.RWMutex
	closed bool
	st     mysqlState
}

var _ CheckPoint = (*MySQL)(nil)

// NewMySQL creates the schema and the table if needed, resolves an unknown
// cluster id, and loads the checkpoint. The db stays owned by the caller.
func NewMySQL(db *sql.DB, cfg MySQLConfig) (*MySQL, error) {
	if cfg.Schema == "" {
		cfg.Schema = DefaultSchema
	}
	if cfg.Table == "" {
		cfg.Table = DefaultTable
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = defaultRetryInterval
	}
	lg := cfg.Logger
	if lg == nil {
		lg = zap.NewNop()
	}
	cp := &MySQL{db: db, cfg: cfg, clusterID: cfg.ClusterID, lg: lg.With(zap.String("component", "checkpoint"))}
	for _, stmt := range []string{cp.createSchemaSQL(), cp.createTableSQL()} {
		if _, err := db.Exec(stmt); err != nil {
			return nil, fmt.Errorf("checkpoint: exec %q: %w", stmt, err)
		}
	}
	if cp.clusterID == 0 {
		id, err := cp.singleClusterID()
		if err != nil {
			return nil, err
		}
		cp.clusterID = id
	}
	if err := cp.Load(); err != nil {
		return nil, err
	}
	return cp, nil
}

// ClusterID is the row's cluster id (resolved from the table when it was 0).
func (cp *MySQL) ClusterID() uint64 { return cp.clusterID }

func (cp *MySQL) tableName() string { return quoteName(cp.cfg.Schema) + "." + quoteName(cp.cfg.Table) }

func (cp *MySQL) createSchemaSQL() string {
	return "create schema if not exists " + quoteName(cp.cfg.Schema)
}

func (cp *MySQL) createTableSQL() string {
	return "create table if not exists " + cp.tableName() +
		"(clusterID bigint unsigned primary key, checkPoint MEDIUMTEXT)"
}

func (cp *MySQL) selectSQL() string {
	return fmt.Sprintf("select checkPoint from %s where clusterID = %d", cp.tableName(), cp.clusterID)
}

func (cp *MySQL) replaceSQL(js []byte) string {
	return fmt.Sprintf("replace into %s values(%d, '%s')", cp.tableName(), cp.clusterID, escapeString(string(js)))
}

// singleClusterID returns the cluster id of the only row of the table.
func (cp *MySQL) singleClusterID() (uint64, error) {
	q := "select clusterID from " + cp.tableName()
	rows, err := cp.db.Query(q)
	if err != nil {
		return 0, fmt.Errorf("checkpoint: query %q: %w", q, err)
	}
	defer func() { _ = rows.Close() }()
	var ids []uint64
	for rows.Next() {
		var id uint64
		if err := rows.Scan(&id); err != nil {
			return 0, fmt.Errorf("checkpoint: scan cluster id: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("checkpoint: query %q: %w", q, err)
	}
	switch len(ids) {
	case 0:
		return 0, fmt.Errorf("%w: %s", ErrNoClusterID, cp.tableName())
	case 1:
		return ids[0], nil
	}
	return 0, fmt.Errorf("%w: %s has %d rows", ErrManyClusterIDs, cp.tableName(), len(ids))
}

// Load implements CheckPoint.
func (cp *MySQL) Load() error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cp.closed {
		return ErrClosed
	}
	st := mysqlState{TSMap: map[string]int64{}}
	var text string
	q := cp.selectSQL()
	switch err := cp.db.QueryRow(q).Scan(&text); {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("checkpoint: query %q: %w", q, err)
	default:
		if err := json.Unmarshal([]byte(text), &st); err != nil {
			return &CorruptError{Source: fmt.Sprintf("%s clusterID %d", cp.tableName(), cp.clusterID), Err: err}
		}
		if st.TSMap == nil {
			st.TSMap = map[string]int64{}
		}
	}
	if st.CommitTS == 0 {
		st.CommitTS = cp.cfg.InitialCommitTS
	}
	cp.st = st
	cp.lg.Info("checkpoint loaded", zap.Int64("commitTS", st.CommitTS),
		zap.Bool("consistent", st.Consistent), zap.Int64("schemaVersion", st.Version))
	return nil
}

// Save implements CheckPoint; the REPLACE is tried 5 times.
func (cp *MySQL) Save(ts, secondaryTS int64, consistent bool, version int64) error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	if cp.closed {
		return ErrClosed
	}
	st := cp.st
	st.CommitTS = ts
	st.Consistent = consistent
	st.Version = max(st.Version, version)
	st.TSMap = make(map[string]int64, 2)
	for k, v := range cp.st.TSMap {
		st.TSMap[k] = v
	}
	if secondaryTS > 0 {
		st.TSMap[primaryTSKey] = ts
		st.TSMap[secondaryTSKey] = secondaryTS
	}
	js, err := json.Marshal(&st)
	if err != nil {
		return fmt.Errorf("checkpoint: marshal: %w", err)
	}
	stmt := cp.replaceSQL(js)
	for attempt := 1; ; attempt++ {
		if _, err = cp.db.Exec(stmt); err == nil {
			cp.st = st
			return nil
		}
		if attempt == saveAttempts {
			return fmt.Errorf("checkpoint: save commitTS %d after %d attempts: %w", ts, attempt, err)
		}
		cp.lg.Warn("save checkpoint failed, retrying", zap.Int64("commitTS", ts), zap.Int("attempt", attempt), zap.Error(err))
		time.Sleep(cp.cfg.RetryInterval)
	}
}

// TS implements CheckPoint.
func (cp *MySQL) TS() int64 {
	cp.mu.RLock()
	defer cp.mu.RUnlock()
	return cp.st.CommitTS
}

// SchemaVersion implements CheckPoint.
func (cp *MySQL) SchemaVersion() int64 {
	cp.mu.RLock()
	defer cp.mu.RUnlock()
	return cp.st.Version
}

// IsConsistent implements CheckPoint.
func (cp *MySQL) IsConsistent() bool {
	cp.mu.RLock()
	defer cp.mu.RUnlock()
	return cp.st.Consistent
}

// Close implements CheckPoint. It does not close the db.
func (cp *MySQL) Close() error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.closed = true
	return nil
}

// quoteName back-quotes an identifier unless it is a plain one (letters,
// digits, '_' and '$'), which is written as is, like the original does.
func quoteName(name string) string {
	plain := name != ""
	for _, r := range name {
		if !(r == '_' || r == '$' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			plain = false
			break
		}
	}
	if plain {
		return name
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// escapeString escapes s for a single-quoted MySQL string literal.
func escapeString(s string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s)
}
