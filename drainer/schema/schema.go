package schema

import (
	"errors"
	"fmt"
	"sort"
	"sync"

	"go.uber.org/zap"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// Sentinel errors.
var (
	// ErrSchemaNotFound: a job refers to a database the schema does not know.
	ErrSchemaNotFound = errors.New("schema: database not found")
	// ErrTableNotFound: a job refers to a table the schema does not know.
	ErrTableNotFound = errors.New("schema: table not found")
	// ErrMissingInfo: a job lacks the DBInfo or TableInfo its type needs.
	ErrMissingInfo = errors.New("schema: job without the info its type needs")
	// ErrBadJobArgs: a job's raw_args do not match its type.
	ErrBadJobArgs = errors.New("schema: bad job arguments")
	// ErrVersionNotFound: no applied DDL job has the requested schema version.
	ErrVersionNotFound = errors.New("schema: no ddl job of this schema version")
)

// mysqlSchemaID is the id of TiDB's `mysql` database, which exists before
// any DDL job.
const mysqlSchemaID = 1

// keepVersions is how many table-info versions are kept per table.
const keepVersions = 2

// Counter counts skipped jobs (a prometheus.Counter fits).
type Counter interface{ Inc() }

// Option configures a Schema.
type Option func(*Schema)

// WithSkipCounter counts every job skipped because its type is unsupported
// or unknown (the drainer passes its binlog_drainer_ddl_jobs_total family).
func WithSkipCounter(c Counter) Option { return func(s *Schema) { s.skipped = c } }

// TableName is the schema and table a DDL job worked on (Table is empty for
// a database-level job).
type TableName struct {
	Schema string
	Table  string
}

type versionedInfo struct {
	version int64
	info    *model.TableInfo
}

// tableEntry is one table (view, sequence): its database and its last
// keepVersions infos, oldest first.
type tableEntry struct {
	schemaID int64
	infos    []versionedInfo
}

func (e *tableEntry) latest() versionedInfo { return e.infos[len(e.infos)-1] }

// jobKey orders jobs: by schema version, the DeleteOnly binlog of a DROP
// COLUMN before the done job of the same version, then by job id (so that
// two jobs sharing a version are both applied, once each).
type jobKey struct {
	version int64
	final   bool
	id      int64
}

func keyOf(job *model.Job) jobKey {
	return jobKey{version: job.SchemaVersion(), final: !IsDeleteOnlyDropColumn(job), id: job.ID}
}

func (k jobKey) after(o jobKey) bool {
	switch {
	case k.version != o.version:
		return k.version > o.version
	case k.final != o.final:
		return k.final
	}
	return k.id > o.id
}

// Schema is the upstream schema as of the last applied DDL job. It is safe
// for concurrent use; the table infos it returns are never modified later.
type Schema struct {
	mu      sync.RWMutex
	lg      *zap.Logger
	skipped Counter

	schemas        map[int64]*model.DBInfo
	schemaNameToID map[string]int64
	tables         map[int64]*tableEntry
	partitions     map[int64]int64 // partition id -> table id
	truncated      map[int64]struct{}
	droppingColumn map[int64]struct{}
	versionTables  map[int64]TableName

	pending []*model.Job // not applied yet, in key order
	current jobKey       // key of the last applied job
}

// New returns a Schema that will apply jobs (typically the whole history)
// lazily, in schema-version order. lg nil means no logging.
func New(jobs []*model.Job, lg *zap.Logger, opts ...Option) (*Schema, error) {
	if lg == nil {
		lg = zap.NewNop()
	}
	s := &Schema{
		lg:             lg.With(zap.String("component", "schema")),
		schemas:        map[int64]*model.DBInfo{},
		schemaNameToID: map[string]int64{},
		tables:         map[int64]*tableEntry{},
		partitions:     map[int64]int64{},
		truncated:      map[int64]struct{}{},
		droppingColumn: map[int64]struct{}{},
		versionTables:  map[int64]TableName{},
	}
	for _, o := range opts {
		o(s)
	}
	mysqlDB := &model.DBInfo{ID: mysqlSchemaID, Name: model.NewCIStr("mysql"), State: model.StatePublic}
	s.schemas[mysqlDB.ID] = mysqlDB
	s.schemaNameToID[mysqlDB.Name.O] = mysqlDB.ID
	s.pending = SortJobs(jobs)
	return s, nil
}

// SortJobs returns the non-nil jobs ordered by schema version (the DeleteOnly
// binlog of a DROP COLUMN before its done job), then by job id. History must
// be applied in this order, not by job id (SPEC 12.9).
func SortJobs(jobs []*model.Job) []*model.Job {
	out := make([]*model.Job, 0, len(jobs))
	for _, j := range jobs {
		if j != nil {
			out = append(out, j)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return keyOf(out[j]).after(keyOf(out[i])) })
	return out
}

// CurrentVersion is the schema version of the last applied job.
func (s *Schema) CurrentVersion() int64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.current.version
}

// AddJob queues a job (of a DDL binlog) to be applied. A job that does not
// come after the last queued one is dropped: the history already holds it.
func (s *Schema) AddJob(job *model.Job) {
	if job == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.pending); n > 0 && !keyOf(job).after(keyOf(s.pending[n-1])) {
		s.lg.Debug("ddl job already queued", zap.Int64("jobID", job.ID), zap.Int64("schemaVersion", job.SchemaVersion()))
		return
	}
	s.pending = append(s.pending, job)
}

// HandlePreviousDDLJobIfNeed applies every queued job whose schema version
// is <= version, in order. Jobs to skip (SkipJob, DDL system tables) are
// dropped, jobs not newer than the last applied one are skipped, and
// unsupported or unknown job types are skipped, logged and counted. An
// error leaves the failing job and those after it queued.
func (s *Schema) HandlePreviousDDLJobIfNeed(version int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := 0
	defer func() {
		clear(s.pending[:i]) // let applied jobs be collected
		s.pending = s.pending[i:]
	}()
	for ; i < len(s.pending); i++ {
		job := s.pending[i]
		if SkipJob(job) {
			s.lg.Debug("skip ddl job", zap.Stringer("job", job))
			continue
		}
		if job.SchemaVersion() > version {
			return nil
		}
		if !keyOf(job).after(s.current) {
			s.lg.Warn("ddl job is not newer than the schema, skip it",
				zap.Stringer("job", job), zap.Int64("currentVersion", s.current.version))
			continue
		}
		if err := s.handleJob(job); err != nil {
			return err
		}
	}
	return nil
}

// handleJob applies one job that is due.
func (s *Schema) handleJob(job *model.Job) error {
	switch {
	case IsDDLSystemTable(job):
		s.lg.Debug("skip ddl job of a ddl system table", zap.Stringer("job", job))
	case IsUnsupportedDDLJob(job):
		s.skipUnsupported(job)
	default:
		tn, err := s.apply(job)
		if err != nil {
			return fmt.Errorf("apply ddl job %d (%s, schema version %d): %w", job.ID, job.Type, job.SchemaVersion(), err)
		}
		s.versionTables[job.SchemaVersion()] = tn
		s.lg.Debug("applied ddl job", zap.Stringer("job", job))
	}
	s.current = keyOf(job)
	return nil
}

func (s *Schema) skipUnsupported(job *model.Job) {
	if isKnownAction(job.Type) {
		s.lg.Info("skip unsupported ddl job", zap.Stringer("job", job))
	} else {
		s.lg.Warn("skip ddl job of unknown type", zap.Int("type", int(job.Type)), zap.Stringer("job", job))
	}
	if s.skipped != nil {
		s.skipped.Inc()
	}
}

// GetSchemaTableAndDelete returns the schema and table of the applied DDL
// job with this schema version, and forgets every older one (DDL binlogs
// arrive in version order, so those are never asked for). The entry itself
// is kept until a newer version is asked for: the two DDL binlogs of a DROP
// COLUMN share their job's version, and either may ask.
func (s *Schema) GetSchemaTableAndDelete(version int64) (schema, table string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tn, ok := s.versionTables[version]
	if !ok {
		return "", "", fmt.Errorf("%w: %d", ErrVersionNotFound, version)
	}
	for v := range s.versionTables {
		if v < version {
			delete(s.versionTables, v)
		}
	}
	return tn.Schema, tn.Table, nil
}

// IsTruncateTableID reports whether id belonged to a table (or partition)
// that was truncated: its DML comes from TiDB instances that still used the
// old id and is dropped.
func (s *Schema) IsTruncateTableID(id int64) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, ok := s.truncated[id]
	return ok
}
