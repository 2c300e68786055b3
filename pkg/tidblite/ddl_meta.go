package tidblite

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/dolthub/vitess/go/mysql"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// Schema changes the engine knows nothing about: they only become DDL jobs
// (and DDL binlogs, as TiDB writes them) for the binlog tools to see:
// ALTER TABLE ... CACHE|NOCACHE, ALTER TABLE ... ATTRIBUTES, placement
// policies and resource groups. The drainer skips these job types.

// metaDDL is a parsed schema-only DDL.
type metaDDL struct {
	action   model.ActionType
	db       string // table DDLs: the database as written ("" = current)
	table    string // table DDLs
	name     string // policy or resource group
	ifExists bool   // IF [NOT] EXISTS (sequences)
	opts     string // CREATE SEQUENCE options; ADD PARTITION definitions

	names     []string // DROP|TRUNCATE PARTITION, PARTITION p ATTRIBUTES
	newName   string   // FLASHBACK TABLE t TO newName
	flashback bool     // FLASHBACK (also finds truncated tables) rather than RECOVER
}

const ident = "(?:`((?:[^`]|``)+)`|([A-Za-z0-9_$]+))"

var (
	reCacheTable = regexp.MustCompile(`(?is)^\s*alter\s+table\s+(?:` + ident + `\s*\.\s*)?` + ident +
		`\s+(cache|nocache)\s*;?\s*$`)
	reAttributes = regexp.MustCompile(`(?is)^\s*alter\s+table\s+(?:` + ident + `\s*\.\s*)?` + ident +
		`\s+attributes\s*=?\s*(?:'[^']*'|"[^"]*"|default)\s*;?\s*$`)
	rePolicy = regexp.MustCompile(`(?is)^\s*(create|alter|drop)\s+(?:or\s+replace\s+)?placement\s+policy\s+` +
		`(?:if\s+(?:not\s+)?exists\s+)?` + ident + `(?:\s+.*)?;?\s*$`)
	reCreateSeq = regexp.MustCompile(`(?is)^\s*create\s+sequence\s+(if\s+not\s+exists\s+)?(?:` + ident + `\s*\.\s*)?` +
		ident + `(.*?);?\s*$`)
	reDropSeq = regexp.MustCompile(`(?is)^\s*drop\s+sequence\s+(if\s+exists\s+)?(?:` + ident + `\s*\.\s*)?` +
		ident + `\s*;?\s*$`)
	reResourceGroup = regexp.MustCompile(`(?is)^\s*(create|alter|drop)\s+resource\s+group\s+` +
		`(?:if\s+(?:not\s+)?exists\s+)?` + ident + `(?:\s+.*)?;?\s*$`)
)

// identAt returns the identifier captured at groups i (quoted) and i+1.
func identAt(m []string, i int) string {
	if m[i] != "" {
		return strings.ReplaceAll(m[i], "``", "`")
	}
	return m[i+1]
}

// classifyMetaDDL recognizes a schema-only DDL.
func classifyMetaDDL(query string) (metaDDL, bool) {
	if m, ok := classifyPartitionDDL(query); ok {
		return m, true
	}
	if m, ok := classifyRecover(query); ok {
		return m, true
	}
	if m := reCacheTable.FindStringSubmatch(query); m != nil {
		a := model.ActionAlterCacheTable
		if strings.EqualFold(m[5], "nocache") {
			a = model.ActionAlterNoCacheTable
		}
		return metaDDL{action: a, db: identAt(m, 1), table: identAt(m, 3)}, true
	}
	if m := reCreateSeq.FindStringSubmatch(query); m != nil {
		return metaDDL{action: model.ActionCreateSequence, ifExists: m[1] != "", db: identAt(m, 2), table: identAt(m, 4),
			opts: m[6]}, true
	}
	if m := reDropSeq.FindStringSubmatch(query); m != nil {
		return metaDDL{action: model.ActionDropSequence, ifExists: m[1] != "", db: identAt(m, 2), table: identAt(m, 4)}, true
	}
	if m := reAttributes.FindStringSubmatch(query); m != nil {
		return metaDDL{action: model.ActionAlterTableAttributes, db: identAt(m, 1), table: identAt(m, 3)}, true
	}
	if m := rePolicy.FindStringSubmatch(query); m != nil {
		acts := map[string]model.ActionType{"create": model.ActionCreatePlacementPolicy,
			"alter": model.ActionAlterPlacementPolicy, "drop": model.ActionDropPlacementPolicy}
		return metaDDL{action: acts[strings.ToLower(m[1])], name: identAt(m, 2)}, true
	}
	if m := reResourceGroup.FindStringSubmatch(query); m != nil {
		acts := map[string]model.ActionType{"create": model.ActionCreateResourceGroup,
			"alter": model.ActionAlterResourceGroup, "drop": model.ActionDropResourceGroup}
		return metaDDL{action: acts[strings.ToLower(m[1])], name: identAt(m, 2)}, true
	}
	return metaDDL{}, false
}

// isMetaOnly reports whether a job type is not the engine's: it changes
// nothing there, or tidb-lite makes the change itself (partition DDLs,
// RECOVER|FLASHBACK TABLE), and the engine cannot replay its query.
func isMetaOnly(a model.ActionType) bool {
	if isPartitionDDL(a) || a == model.ActionRecoverTable {
		return true
	}
	switch a {
	case model.ActionAlterCacheTable, model.ActionAlterNoCacheTable, model.ActionAlterTableAttributes,
		model.ActionCreateSequence, model.ActionDropSequence,
		model.ActionCreatePlacementPolicy, model.ActionAlterPlacementPolicy, model.ActionDropPlacementPolicy,
		model.ActionCreateResourceGroup, model.ActionAlterResourceGroup, model.ActionDropResourceGroup:
		return true
	}
	return false
}

// writesNoBinlog reports the job types TiDB writes no DDL binlog for
// (ddl_worker.go skipWriteBinlog: cache/nocache are internal to a cluster).
func writesNoBinlog(a model.ActionType) bool {
	return a == model.ActionAlterCacheTable || a == model.ActionAlterNoCacheTable
}

// planMetaDDL resolves a schema-only DDL against the catalog.
func planMetaDDL(m metaDDL, query, curDB string, cat *catalog) (*ddlPlan, error) {
	p := &ddlPlan{action: m.action, query: strings.TrimRight(strings.TrimSpace(query), "; \t\n")}
	if m.table == "" {
		p.tableName = m.name
		return p, nil
	}
	p.dbName = m.db
	if p.dbName == "" {
		p.dbName = curDB
	}
	if p.dbName == "" {
		return nil, fmt.Errorf("%w: no database selected", ErrUnsupportedDDL)
	}
	if m.action == model.ActionCreateSequence {
		return planCreateSequence(p, m, cat)
	}
	p.db, p.table = cat.table(p.dbName, m.table)
	if p.table == nil && m.action == model.ActionDropSequence && m.ifExists {
		return nil, nil
	}
	if p.table == nil {
		return nil, fmt.Errorf("table %s.%s doesn't exist", p.dbName, m.table)
	}
	p.dbName, p.tableName = p.db.Name.O, p.table.Name.O
	return p, nil
}

// metaDDLStmt runs a schema-only DDL: a job in the history and, except for
// cache/nocache, its DDL binlog; the engine is not involved.
func (s *Server) metaDDLStmt(ctx context.Context, cs *connState, m metaDDL, query string, cb resultFn) error {
	if err := s.commitOpen(ctx, cs); err != nil {
		return err
	}
	s.engineMu.Lock()
	defer s.engineMu.Unlock()
	unlock, err := s.meta.lockDDL(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.catchUp(ctx); err != nil {
		return err
	}
	s.catMu.RLock()
	p, err := s.planLiteDDL(m, query, s.currentDB(cs))
	s.catMu.RUnlock()
	if err != nil || p == nil {
		return errOr(err, cb)
	}
	if p.db == nil { // a placement policy or resource group
		skip, err := s.resolveNamed(ctx, p, query)
		if err != nil || skip {
			return errOr(err, cb)
		}
	}
	if err := s.runDDL(ctx, p, func() error { return s.execLiteDDL(ctx, p) }); err != nil {
		return err
	}
	return cb(okResult(), false)
}

// planLiteDDL resolves a DDL tidb-lite runs without the engine's parser.
func (s *Server) planLiteDDL(m metaDDL, query, curDB string) (*ddlPlan, error) {
	if m.action == model.ActionRecoverTable {
		return s.planRecover(m, query, curDB)
	}
	p, err := planMetaDDL(m, query, curDB, s.cat)
	if err != nil || p == nil || !isPartitionDDL(m.action) {
		return p, err
	}
	return p, planPartitionDDL(p, m)
}

// execLiteDDL makes the engine change of such a DDL: the rows of dropped
// or truncated partitions go, a recovered table comes back.
func (s *Server) execLiteDDL(ctx context.Context, p *ddlPlan) error {
	switch p.action {
	case model.ActionDropTablePartition, model.ActionTruncateTablePartition:
		var gone []int64
		for _, n := range p.partNames {
			gone = append(gone, p.table.Partition.Definitions[partitionByName(p.table.Partition, n)].ID)
		}
		return s.deletePartitionRows(ctx, p.dbName, p.table, gone)
	case model.ActionRecoverTable:
		return s.restoreRecycled(ctx, p.dbName, p.newTableName, p.recover)
	}
	return nil
}

// metaJobInfo fills the objects of a schema-only job: a table job keeps
// the table's info; a policy or resource group job names its object.
func (s *Server) metaJobInfo(r *ddlRun, job *model.Job) error {
	p := r.plan
	if p.action == model.ActionRecoverTable {
		return recoverJobInfo(r, job)
	}
	if p.action == model.ActionCreateSequence {
		ti, err := sequenceTableInfo(r.objID, p.tableName, parseSequenceOptions(p.seqOpts), uint64(r.startTS))
		if err != nil {
			return err
		}
		job.TableID, job.TableName, job.BinlogInfo.TableInfo = ti.ID, ti.Name.O, ti
		return nil
	}
	if p.table == nil {
		job.SchemaID, job.SchemaName = r.objID, p.tableName
		return nil
	}
	ti, err := p.table.Clone()
	if err != nil {
		return fmt.Errorf("clone table info: %w", err)
	}
	ti.UpdateTS = uint64(r.startTS)
	if p.action == model.ActionDropSequence {
		ti.State = model.StateNone
	}
	job.TableID, job.TableName = p.table.ID, p.tableName
	job.BinlogInfo.TableInfo = ti
	if isPartitionDDL(p.action) {
		return partitionJobInfo(r, job, ti)
	}
	return nil
}

var (
	reIfExists    = regexp.MustCompile(`(?is)^\s*(?:alter|drop)\s+(?:placement\s+policy|resource\s+group)\s+if\s+exists\s`)
	reIfNotExists = regexp.MustCompile(`(?is)^\s*create\s+(?:or\s+replace\s+)?(?:placement\s+policy|resource\s+group)\s+if\s+not\s+exists\s`)
	reOrReplace   = regexp.MustCompile(`(?is)^\s*create\s+or\s+replace\s`)
)

// namedKinds are the create and drop actions and TiDB's errors of a named
// object kind: placement policy or resource group.
type namedKind struct {
	create, drop model.ActionType
	exists       func(name string) error
	unknown      func(name string) error
}

var (
	policyKind = namedKind{create: model.ActionCreatePlacementPolicy, drop: model.ActionDropPlacementPolicy,
		exists: func(n string) error {
			return mysql.NewSQLError(8238, mysql.SSUnknownSQLState, "Placement policy '%s' already exists", n)
		},
		unknown: func(n string) error {
			return mysql.NewSQLError(8239, mysql.SSUnknownSQLState, "Unknown placement policy '%s'", n)
		}}
	groupKind = namedKind{create: model.ActionCreateResourceGroup, drop: model.ActionDropResourceGroup,
		exists: func(n string) error {
			return mysql.NewSQLError(8248, mysql.SSUnknownSQLState, "Resource group '%s' already exists", n)
		},
		unknown: func(n string) error {
			return mysql.NewSQLError(8249, mysql.SSUnknownSQLState, "Unknown resource group '%s'", n)
		}}
)

func kindOf(a model.ActionType) namedKind {
	switch a {
	case model.ActionCreateResourceGroup, model.ActionAlterResourceGroup, model.ActionDropResourceGroup:
		return groupKind
	}
	return policyKind
}

// resolveNamed finds the policy or resource group a DDL names in the job
// history: its ID for ALTER and DROP, TiDB's error when it is missing or
// already there, or skip for IF [NOT] EXISTS with nothing to do.
func (s *Server) resolveNamed(ctx context.Context, p *ddlPlan, query string) (skip bool, err error) {
	k := kindOf(p.action)
	jobs, err := s.meta.jobsAfter(ctx, 0)
	if err != nil {
		return false, err
	}
	var id int64
	for _, j := range jobs {
		if !strings.EqualFold(j.SchemaName, p.tableName) {
			continue
		}
		switch j.Type {
		case k.create:
			id = j.SchemaID
		case k.drop:
			id = 0
		}
	}
	if p.action == k.create {
		if id == 0 || reOrReplace.MatchString(query) {
			return false, nil
		}
		if reIfNotExists.MatchString(query) {
			return true, nil
		}
		return false, k.exists(p.tableName)
	}
	if id == 0 {
		if reIfExists.MatchString(query) {
			return true, nil
		}
		return false, k.unknown(p.tableName)
	}
	p.objID = id
	return false, nil
}

// errOr returns err, or an OK result when err is nil.
func errOr(err error, cb resultFn) error {
	if err != nil {
		return err
	}
	return cb(okResult(), false)
}

// planCreateSequence resolves CREATE SEQUENCE: the database must exist and
// the name be free (nil plan: IF NOT EXISTS with nothing to do).
func planCreateSequence(p *ddlPlan, m metaDDL, cat *catalog) (*ddlPlan, error) {
	p.db = cat.dbByName(p.dbName)
	if p.db == nil {
		return nil, mysql.NewSQLError(mysql.ERBadDb, mysql.SSUnknownSQLState, "Unknown database '%s'", p.dbName)
	}
	if _, t := cat.table(p.dbName, m.table); t != nil {
		if m.ifExists {
			return nil, nil
		}
		return nil, mysql.NewSQLError(mysql.ERTableExists, mysql.SSUnknownSQLState, "Table '%s.%s' already exists", p.db.Name.O, m.table)
	}
	p.dbName, p.tableName, p.seqOpts = p.db.Name.O, m.table, m.opts
	return p, nil
}
