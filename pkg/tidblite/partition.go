package tidblite

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"
	"github.com/dolthub/vitess/go/mysql"
	"github.com/dolthub/vitess/go/vt/sqlparser"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// Partitioned tables (PARTITION BY RANGE (col) and PARTITION BY HASH (col)
// PARTITIONS n). The engine keeps all rows of a table together; what TiDB
// does differently is only visible in IDs: each partition has a physical
// ID from the global allocator, and rows (their keys and the binlog's
// TableMutation.table_id) are written under the ID of the partition they
// fall in. The partitioning expression must be one integer column.

// TiDB's model.PartitionType values.
const (
	partitionTypeRange = 1
	partitionTypeHash  = 2
)

// maxValue is how TiDB records VALUES LESS THAN (MAXVALUE).
const maxValue = "MAXVALUE"

// partSpec is a parsed partitioning clause, before IDs are allocated.
type partSpec struct {
	typ    int
	column string    // the partitioning column
	defs   []partDef // RANGE: as written; HASH: p0..p(n-1)
}

// partDef is one partition as written.
type partDef struct {
	name     string
	lessThan string // RANGE: integer text or MAXVALUE
}

// parsePartitionOption reads CREATE TABLE's PARTITION BY clause. Nil
// means the table is not partitioned.
func parsePartitionOption(o *sqlparser.PartitionOption) (*partSpec, error) {
	if o == nil {
		return nil, nil
	}
	if o.IsLinear || o.SubPartition != nil || len(o.ColList) > 0 {
		return nil, fmt.Errorf("%w: only PARTITION BY RANGE|HASH (column)", ErrUnsupportedDDL)
	}
	col, ok := o.Expr.(*sqlparser.ColName)
	if !ok {
		return nil, fmt.Errorf("%w: the partitioning expression must be a column", ErrUnsupportedDDL)
	}
	spec := &partSpec{column: col.Name.String()}
	switch strings.ToUpper(o.PartitionType) {
	case "RANGE":
		spec.typ = partitionTypeRange
		defs, err := rangeDefs(o.Definitions)
		if err != nil {
			return nil, err
		}
		spec.defs = defs
	case "HASH":
		spec.typ = partitionTypeHash
		n := int64(1)
		if o.Partitions != nil {
			v, err := strconv.ParseInt(string(o.Partitions.Val), 10, 64)
			if err != nil || v < 1 || v > 8192 {
				return nil, fmt.Errorf("%w: PARTITIONS %s", ErrUnsupportedDDL, o.Partitions.Val)
			}
			n = v
		}
		for i := int64(0); i < n; i++ {
			spec.defs = append(spec.defs, partDef{name: fmt.Sprintf("p%d", i)})
		}
	default:
		return nil, fmt.Errorf("%w: PARTITION BY %s", ErrUnsupportedDDL, o.PartitionType)
	}
	return spec, nil
}

// rangeDefs reads VALUES LESS THAN definitions: integer bounds, strictly
// increasing, MAXVALUE only last.
func rangeDefs(in []*sqlparser.PartitionDefinition) ([]partDef, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("%w: RANGE partitioning needs partition definitions", ErrUnsupportedDDL)
	}
	out := make([]partDef, 0, len(in))
	for _, d := range in {
		pd := partDef{name: d.Name.String(), lessThan: maxValue}
		if !d.Maxvalue {
			v, err := strconv.ParseInt(strings.ReplaceAll(sqlparser.String(d.Limit), " ", ""), 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%w: VALUES LESS THAN (%s) is not an integer", ErrUnsupportedDDL, sqlparser.String(d.Limit))
			}
			pd.lessThan = strconv.FormatInt(v, 10)
		}
		out = append(out, pd)
	}
	return out, nil
}

// checkRangeOrder returns TiDB's error 1493 unless the bounds increase.
func checkRangeOrder(defs []model.PartitionDefinition) error {
	for i := 1; i < len(defs); i++ {
		prev, cur := defs[i-1].LessThan[0], defs[i].LessThan[0]
		if prev == maxValue {
			return mysql.NewSQLError(1481, "HY000", "MAXVALUE can only be used in last partition definition")
		}
		if cur == maxValue {
			continue
		}
		a, _ := strconv.ParseInt(prev, 10, 64)
		b, _ := strconv.ParseInt(cur, 10, 64)
		if b <= a {
			return mysql.NewSQLError(1493, "HY000", "VALUES LESS THAN value must be strictly increasing for each partition")
		}
	}
	return nil
}

// partitionInfo is TiDB's PartitionInfo of spec with the given IDs.
func (spec *partSpec) partitionInfo(ti *model.TableInfo, ids []int64) (*model.PartitionInfo, error) {
	col := ti.FindColumnByName(spec.column)
	if col == nil {
		return nil, mysql.NewSQLError(1054, "42S22", "Unknown column '%s' in 'partition function'", spec.column)
	}
	if !isIntegerHandleType(&col.FieldType) {
		return nil, fmt.Errorf("%w: the partitioning column %s must be an integer", ErrUnsupportedDDL, spec.column)
	}
	pi := newPartitionInfo(spec.typ, quoteName(col.Name.O))
	pi.Num = uint64(len(spec.defs))
	pi.Definitions = spec.definitions(ids)
	if spec.typ == partitionTypeRange {
		if err := checkRangeOrder(pi.Definitions); err != nil {
			return nil, err
		}
	}
	return pi, nil
}

// newPartitionInfo is an enabled PartitionInfo with the members TiDB v7.0
// adds after num (used by REORGANIZE PARTITION, zero here).
func newPartitionInfo(typ int, expr string) *model.PartitionInfo {
	return &model.PartitionInfo{Type: typ, Expr: expr, Enable: true,
		Extra: model.Extra{"ddl_state": json.RawMessage("0"), "new_table_id": json.RawMessage("0")}}
}

// definitions gives each partition of spec its ID.
func (spec *partSpec) definitions(ids []int64) []model.PartitionDefinition {
	out := make([]model.PartitionDefinition, len(spec.defs))
	for i, d := range spec.defs {
		out[i] = model.PartitionDefinition{ID: ids[i], Name: model.NewCIStr(d.name)}
		if spec.typ == partitionTypeRange {
			out[i].LessThan = []string{d.lessThan}
		}
	}
	return out
}

// partColumn is the offset of the partitioning column of ti.
func partColumn(ti *model.TableInfo) (*model.ColumnInfo, error) {
	name := strings.Trim(ti.Partition.Expr, "`")
	col := ti.FindColumnByName(name)
	if col == nil {
		return nil, fmt.Errorf("tidblite: partitioning column %s of %s is gone", name, ti.Name.O)
	}
	return col, nil
}

// partitionIndex returns the partition a partitioning value falls in, as
// TiDB locates it: NULL goes to the first partition; HASH takes the
// absolute value of v mod n. ok is false when no RANGE partition holds v.
func partitionIndex(pi *model.PartitionInfo, v any) (int, bool) {
	if pi.Type == partitionTypeHash {
		if v == nil {
			return 0, true
		}
		n := int64(len(pi.Definitions))
		r := toInt64(v) % n
		if isUnsigned(v) {
			r = int64(toUint64(v) % uint64(n))
		}
		if r < 0 {
			r = -r
		}
		return int(r), true
	}
	if v == nil {
		return 0, true
	}
	for i, d := range pi.Definitions {
		if d.LessThan[0] == maxValue {
			return i, true
		}
		bound, _ := strconv.ParseInt(d.LessThan[0], 10, 64)
		if lessThan(v, bound) {
			return i, true
		}
	}
	return 0, false
}

func isUnsigned(v any) bool {
	switch v.(type) {
	case uint8, uint16, uint32, uint64, uint:
		return true
	}
	return false
}

// lessThan compares an integer value with a signed bound.
func lessThan(v any, bound int64) bool {
	if isUnsigned(v) {
		return bound > 0 && toUint64(v) < uint64(bound)
	}
	return toInt64(v) < bound
}

// physicalID is the ID a row of ti is written under: the table's, or its
// partition's. A value no RANGE partition holds is TiDB's error 1526.
func physicalID(ti *model.TableInfo, row sql.Row) (int64, error) {
	if ti.Partition == nil {
		return ti.ID, nil
	}
	col, err := partColumn(ti)
	if err != nil {
		return 0, err
	}
	v := row[col.Offset]
	i, ok := partitionIndex(ti.Partition, v)
	if !ok {
		return 0, mysql.NewSQLError(1526, "HY000", "Table has no partition for value %v", v)
	}
	return ti.Partition.Definitions[i].ID, nil
}

// newPartitionCount is how many partition IDs a job allocates.
func newPartitionCount(p *ddlPlan) int {
	switch p.action {
	case model.ActionCreateTable, model.ActionAddTablePartition:
		if p.part != nil {
			return len(p.part.defs)
		}
	case model.ActionTruncateTable:
		if p.table != nil && p.table.Partition != nil {
			return len(p.table.Partition.Definitions)
		}
	case model.ActionTruncateTablePartition:
		return len(p.partNames)
	}
	return 0
}

// allocIDs takes n consecutive IDs from the global ID counter.
func (s *Server) allocIDs(ctx context.Context, n int) ([]int64, error) {
	last, err := s.meta.alloc(ctx, counterGlobalID, int64(n))
	if err != nil {
		return nil, fmt.Errorf("allocate partition ids: %w", err)
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = last - int64(n) + 1 + int64(i)
	}
	return ids, nil
}

// check validates spec against the columns of CREATE TABLE before the
// engine runs it: the column exists and is an integer, RANGE bounds grow.
func (spec *partSpec) check(ts *sqlparser.TableSpec) error {
	var col *sqlparser.ColumnDefinition
	for _, c := range ts.Columns {
		if c.Name.Lowered() == strings.ToLower(spec.column) {
			col = c
		}
	}
	if col == nil {
		return mysql.NewSQLError(1054, "42S22", "Unknown column '%s' in 'partition function'", spec.column)
	}
	switch strings.ToLower(col.Type.Type) {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint":
	default:
		return fmt.Errorf("%w: the partitioning column %s must be an integer", ErrUnsupportedDDL, spec.column)
	}
	if err := spec.checkUniqueKeys(ts); err != nil {
		return err
	}
	if spec.typ == partitionTypeRange {
		return checkRangeOrder(spec.definitions(make([]int64, len(spec.defs))))
	}
	return nil
}

// checkUniqueKeys returns TiDB's error 1503 for a primary or unique key
// without the partitioning column (TiDB and MySQL check every key holds it).
func (spec *partSpec) checkUniqueKeys(ts *sqlparser.TableSpec) error {
	l := strings.ToLower(spec.column)
	for _, c := range ts.Columns {
		typ := strings.ToLower(sqlparser.String(&c.Type))
		if c.Name.Lowered() == l {
			continue
		}
		if strings.Contains(typ, "primary key") {
			return errKeyWithoutPartColumn("PRIMARY KEY")
		}
		if strings.Contains(typ, " unique") {
			return errKeyWithoutPartColumn("UNIQUE INDEX")
		}
	}
	for _, idx := range ts.Indexes {
		if idx.Info == nil || (!idx.Info.Primary && !idx.Info.Unique) {
			continue
		}
		if !slices.ContainsFunc(idx.Columns, func(ic *sqlparser.IndexColumn) bool { return ic.Column.Lowered() == l }) {
			kind := "UNIQUE INDEX"
			if idx.Info.Primary {
				kind = "PRIMARY KEY"
			}
			return errKeyWithoutPartColumn(kind)
		}
	}
	return nil
}

func errKeyWithoutPartColumn(kind string) error {
	return mysql.NewSQLError(1503, "HY000", "A %s must include all columns in the table's partitioning function", kind)
}
