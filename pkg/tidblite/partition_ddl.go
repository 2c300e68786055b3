package tidblite

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/vt/sqlparser"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// Partition DDLs: ALTER TABLE t ADD PARTITION (...), DROP PARTITION p[, q],
// TRUNCATE PARTITION p[, q] and ALTER TABLE t PARTITION p ATTRIBUTES=...
// The engine knows nothing of partitions (nor parses these statements), so
// tidb-lite runs them: the job carries the table's new partition info and
// the rows of dropped or truncated partitions are deleted from the engine.

const tableRef = `^\s*alter\s+table\s+(?:` + ident + `\s*\.\s*)?` + ident + `\s+`

var (
	reAddPartition  = regexp.MustCompile(`(?is)` + tableRef + `add\s+partition\s*\((.*)\)\s*;?\s*$`)
	reDropPartition = regexp.MustCompile(`(?is)` + tableRef + `(drop|truncate)\s+partition\s+(.+?)\s*;?\s*$`)
	rePartAttrs     = regexp.MustCompile(`(?is)` + tableRef + `partition\s+` + ident +
		`\s+attributes\s*=?\s*(?:'[^']*'|"[^"]*"|default)\s*;?\s*$`)
	reIdentList = regexp.MustCompile(`^` + ident + `(?:\s*,\s*` + ident + `)*$`)
	reIdentOne  = regexp.MustCompile(ident)
)

// classifyPartitionDDL recognizes a partition DDL.
func classifyPartitionDDL(query string) (metaDDL, bool) {
	if m := reAddPartition.FindStringSubmatch(query); m != nil {
		return metaDDL{action: model.ActionAddTablePartition, db: identAt(m, 1), table: identAt(m, 3), opts: m[5]}, true
	}
	if m := reDropPartition.FindStringSubmatch(query); m != nil && reIdentList.MatchString(m[6]) {
		a := model.ActionDropTablePartition
		if strings.EqualFold(m[5], "truncate") {
			a = model.ActionTruncateTablePartition
		}
		return metaDDL{action: a, db: identAt(m, 1), table: identAt(m, 3), names: identList(m[6])}, true
	}
	if m := rePartAttrs.FindStringSubmatch(query); m != nil {
		return metaDDL{action: model.ActionAlterTablePartitionAttributes, db: identAt(m, 1), table: identAt(m, 3),
			names: []string{identAt(m, 5)}}, true
	}
	return metaDDL{}, false
}

// identList splits a comma-separated list of identifiers.
func identList(s string) []string {
	var out []string
	for _, m := range reIdentOne.FindAllStringSubmatch(s, -1) {
		out = append(out, identAt(m, 1))
	}
	return out
}

// isPartitionDDL reports the partition DDL job types tidb-lite runs.
func isPartitionDDL(a model.ActionType) bool {
	switch a {
	case model.ActionAddTablePartition, model.ActionDropTablePartition, model.ActionTruncateTablePartition,
		model.ActionAlterTablePartitionAttributes:
		return true
	}
	return false
}

// TiDB's partition errors.
func errUnknownPartition(name, table string) error {
	return mysql.NewSQLError(1735, "HY000", "Unknown partition '%s' in table '%s'", name, table)
}

func errNotPartitioned() error {
	return mysql.NewSQLError(1505, "HY000", "Partition management on a not partitioned table is not possible")
}

// planPartitionDDL checks a partition DDL against the table, with TiDB's
// errors, before anything runs.
func planPartitionDDL(p *ddlPlan, m metaDDL) error {
	pi := p.table.Partition
	if pi == nil {
		return errNotPartitioned()
	}
	switch p.action {
	case model.ActionAddTablePartition:
		return planAddPartition(p, m.opts)
	case model.ActionDropTablePartition:
		if pi.Type != partitionTypeRange {
			return mysql.NewSQLError(1512, "HY000", "DROP PARTITION can only be used on RANGE/LIST partitions")
		}
		if len(m.names) >= len(pi.Definitions) {
			return mysql.NewSQLError(1508, "HY000", "Cannot remove all partitions, use DROP TABLE instead")
		}
	}
	for _, n := range m.names {
		if partitionByName(pi, n) < 0 {
			if p.action == model.ActionDropTablePartition {
				return mysql.NewSQLError(1507, "HY000", "Error in list of partitions to DROP")
			}
			return errUnknownPartition(n, p.tableName)
		}
		p.partNames = append(p.partNames, strings.ToLower(n))
	}
	return nil
}

// planAddPartition parses the new RANGE partitions and checks them.
func planAddPartition(p *ddlPlan, defs string) error {
	if p.table.Partition.Type != partitionTypeRange {
		return fmt.Errorf("%w: ADD PARTITION on a %s", ErrUnsupportedDDL, "HASH partitioned table")
	}
	st, err := sqlparser.Parse("create table t (a int) partition by range (a) (" + defs + ")")
	if err != nil {
		return fmt.Errorf("%w: ADD PARTITION (%s): %w", ErrUnsupportedDDL, defs, err)
	}
	ddl, ok := st.(*sqlparser.DDL)
	if !ok || ddl.TableSpec == nil || ddl.TableSpec.PartitionOpt == nil {
		return fmt.Errorf("%w: ADD PARTITION (%s)", ErrUnsupportedDDL, defs)
	}
	added, err := rangeDefs(ddl.TableSpec.PartitionOpt.Definitions)
	if err != nil {
		return err
	}
	p.part = &partSpec{typ: partitionTypeRange, defs: added}
	all := slices.Clone(p.table.Partition.Definitions)
	for _, d := range p.part.definitions(make([]int64, len(added))) {
		if partitionByName(&model.PartitionInfo{Definitions: all}, d.Name.O) >= 0 {
			return mysql.NewSQLError(1517, "HY000", "Duplicate partition name %s", d.Name.O)
		}
		all = append(all, d)
	}
	return checkRangeOrder(all)
}

// partitionByName is the index of a partition, or -1.
func partitionByName(pi *model.PartitionInfo, name string) int {
	for i, d := range pi.Definitions {
		if d.Name.L == strings.ToLower(name) {
			return i
		}
	}
	return -1
}

// partitionJobInfo sets the table info and arguments a partition job
// leaves, as TiDB v7.0: ADD appends the new definitions (args: the added
// partition info), DROP removes them (args: their IDs), TRUNCATE gives them
// new IDs (args: the old IDs).
func partitionJobInfo(r *ddlRun, job *model.Job, ti *model.TableInfo) error {
	p := r.plan
	pi := ti.Partition
	switch p.action {
	case model.ActionAddTablePartition:
		added := p.part.definitions(r.partIDs)
		pi.Definitions = append(pi.Definitions, added...)
		args := newPartitionInfo(pi.Type, pi.Expr)
		args.Definitions = added
		return setArgs(job, args)
	case model.ActionDropTablePartition:
		var ids []int64
		pi.Definitions = slices.DeleteFunc(pi.Definitions, func(d model.PartitionDefinition) bool {
			if slices.Contains(p.partNames, d.Name.L) {
				ids = append(ids, d.ID)
				return true
			}
			return false
		})
		return setArgs(job, ids)
	case model.ActionTruncateTablePartition:
		var old []int64
		for i, n := range p.partNames {
			d := &pi.Definitions[partitionByName(pi, n)]
			old = append(old, d.ID)
			d.ID = r.partIDs[i]
		}
		return setArgs(job, old)
	case model.ActionAlterTablePartitionAttributes:
		return setArgs(job, pi.Definitions[partitionByName(pi, p.partNames[0])].ID, nil)
	}
	return nil
}

// deletePartitionRows removes from the engine the rows of ti's partitions
// whose IDs are in gone (dropped or truncated), forgetting their handles.
func (s *Server) deletePartitionRows(ctx context.Context, db string, ti *model.TableInfo, gone []int64) error {
	if ti == nil || ti.Partition == nil || len(gone) == 0 {
		return nil
	}
	rows, err := s.scanRows(ctx, db, ti.Name.O)
	if err != nil {
		return fmt.Errorf("scan rows of dropped partitions: %w", err)
	}
	var evs []rowEvent
	for _, row := range rows {
		pid, err := physicalID(ti, row)
		if err != nil || !slices.Contains(gone, pid) {
			continue
		}
		evs = append(evs, rowEvent{kind: evDelete, db: db, table: ti.Name.O, old: row})
		if fp, err := fingerprint(ti, row); err == nil && !ti.PKIsHandle {
			s.ids.pop(ti.ID, fp)
		}
	}
	if len(evs) == 0 {
		return nil
	}
	if err := s.applyEvents(ctx, evs); err != nil {
		return fmt.Errorf("delete rows of dropped partitions: %w", err)
	}
	return nil
}

// gonePartitions lists the partition IDs of before that after lacks.
func gonePartitions(before, after *model.TableInfo) []int64 {
	if before == nil || after == nil {
		return nil
	}
	keep := after.PartitionIDs()
	var gone []int64
	for _, id := range before.PartitionIDs() {
		if !slices.Contains(keep, id) {
			gone = append(gone, id)
		}
	}
	return gone
}
