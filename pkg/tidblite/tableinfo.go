package tidblite

import (
	"fmt"
	"strings"

	"github.com/dolthub/go-mysql-server/sql"

	"github.com/openbinlog/tidb-binlog/pkg/model"
)

// Versions TiDB v7 writes into new infos.
const (
	tableInfoVersion  = 5
	columnInfoVersion = 2
	indexTypeBTree    = 1
)

// tableShape is a table as go-mysql-server has it after a DDL statement.
type tableShape struct {
	name    string
	schema  sql.Schema
	indexes []sql.Index
}

// infoOpts says how a TableInfo relates to the one before the DDL.
type infoOpts struct {
	prev     *model.TableInfo  // nil: a new table
	id       int64             // table ID
	renamed  map[string]string // new column name (lower) -> old name (lower)
	added    map[string]bool   // columns added by this job (lower names)
	updateTS uint64
	nowUTC   string // "YYYY-MM-DD HH:MM:SS" for CURRENT_TIMESTAMP origin defaults
}

// buildTableInfo derives TiDB's TableInfo from the engine's table, keeping the
// column and index IDs of prev.
func buildTableInfo(ctx *sql.Context, shape tableShape, o infoOpts) (*model.TableInfo, error) {
	ti := &model.TableInfo{
		ID: o.id, Name: model.NewCIStr(shape.name),
		Charset: model.CharsetUTF8MB4, Collate: "utf8mb4_bin",
		State: model.StatePublic, Version: tableInfoVersion, UpdateTS: o.updateTS,
	}
	if o.prev != nil {
		ti.MaxColumnID, ti.MaxIndexID = o.prev.MaxColumnID, o.prev.MaxIndexID
		ti.Comment, ti.AutoIncID = o.prev.Comment, o.prev.AutoIncID
	}
	pkCols := 0
	for _, c := range shape.schema {
		if c.PrimaryKey {
			pkCols++
		}
	}
	for i, c := range shape.schema {
		col, err := buildColumn(ctx, c, i, o)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		if col.ID == 0 {
			ti.MaxColumnID++
			col.ID = ti.MaxColumnID
		}
		if c.PrimaryKey && pkCols == 1 && isIntegerHandleType(&col.FieldType) {
			ti.PKIsHandle = true
		}
		ti.Columns = append(ti.Columns, col)
	}
	if err := buildIndexes(ti, shape.indexes, o); err != nil {
		return nil, err
	}
	return ti, nil
}

// prevColumn finds the column a new column continues (same or old name).
func prevColumn(o infoOpts, name string) *model.ColumnInfo {
	if o.prev == nil {
		return nil
	}
	l := strings.ToLower(name)
	if old, ok := o.renamed[l]; ok {
		l = old
	} else if isRenameSource(o.renamed, l) {
		return nil
	}
	for _, c := range o.prev.Columns {
		if c.Name.L == l {
			return c
		}
	}
	return nil
}

func isRenameSource(renamed map[string]string, l string) bool {
	for _, old := range renamed {
		if old == l {
			return true
		}
	}
	return false
}

func buildColumn(ctx *sql.Context, c *sql.Column, offset int, o infoOpts) (*model.ColumnInfo, error) {
	ft, err := fieldType(c.Type)
	if err != nil {
		return nil, err
	}
	col := &model.ColumnInfo{
		Name: model.NewCIStr(c.Name), Offset: offset, FieldType: ft,
		State: model.StatePublic, Comment: c.Comment, Version: columnInfoVersion,
	}
	if prev := prevColumn(o, c.Name); prev != nil {
		col.ID = prev.ID
		col.OriginDefaultValue, col.OriginDefaultBit = prev.OriginDefaultValue, prev.OriginDefaultBit
	}
	if !c.Nullable {
		col.Flag |= model.NotNullFlag
	}
	if c.PrimaryKey {
		col.Flag |= model.PriKeyFlag | model.NotNullFlag
	}
	if c.AutoIncrement {
		col.Flag |= model.AutoIncrementFlag
	}
	if c.OnUpdate != nil {
		col.Flag |= model.OnUpdateNowFlag
	}
	if c.Generated != nil {
		col.GeneratedExprString = generatedExpr(c.Generated.String())
		col.GeneratedStored = !c.Virtual
		return col, nil // a generated column has no default
	}
	hasDefault, err := setDefault(ctx, col, c)
	if err != nil {
		return nil, err
	}
	if !hasDefault && model.HasNotNullFlag(col.Flag) && !c.AutoIncrement && col.Tp != model.TypeTimestamp {
		col.Flag |= model.NoDefaultValueFlag
	}
	if o.added[col.Name.L] {
		col.OriginDefaultValue, col.OriginDefaultBit = originDefault(col, o.nowUTC)
	}
	return col, nil
}

// buildIndexes fills Indices (PRIMARY only when the PK is not the handle)
// and the key flags of the first column of each index.
func buildIndexes(ti *model.TableInfo, idxs []sql.Index, o infoOpts) error {
	prevByName := map[string]*model.IndexInfo{}
	if o.prev != nil {
		for _, ix := range o.prev.Indices {
			prevByName[ix.Name.L] = ix
		}
	}
	ordered := orderIndexes(idxs)
	for _, idx := range ordered {
		primary := strings.EqualFold(idx.ID(), "PRIMARY")
		if primary && ti.PKIsHandle {
			continue
		}
		info := &model.IndexInfo{
			Name: model.NewCIStr(idx.ID()), State: model.StatePublic, Tp: indexTypeBTree,
			Unique: idx.IsUnique() || primary, Primary: primary,
		}
		if primary {
			info.Name = model.NewCIStr("PRIMARY")
		}
		if err := indexColumns(ti, idx, info); err != nil {
			return err
		}
		if p, ok := prevByName[info.Name.L]; ok {
			info.ID = p.ID
		} else {
			ti.MaxIndexID++
			info.ID = ti.MaxIndexID
		}
		markKeyFlags(ti, info)
		ti.Indices = append(ti.Indices, info)
	}
	return nil
}

// orderIndexes puts PRIMARY first, then the rest in the engine's order.
func orderIndexes(idxs []sql.Index) []sql.Index {
	out := make([]sql.Index, 0, len(idxs))
	for _, idx := range idxs {
		if strings.EqualFold(idx.ID(), "PRIMARY") {
			out = append(out, idx)
		}
	}
	for _, idx := range idxs {
		if !strings.EqualFold(idx.ID(), "PRIMARY") && !idx.IsFullText() && !idx.IsSpatial() && !idx.IsVector() {
			out = append(out, idx)
		}
	}
	return out
}

func indexColumns(ti *model.TableInfo, idx sql.Index, info *model.IndexInfo) error {
	prefixes := idx.PrefixLengths()
	for i, expr := range idx.Expressions() {
		name := expr[strings.LastIndexByte(expr, '.')+1:]
		col := findColumn(ti, name)
		if col == nil {
			return fmt.Errorf("index %s: unknown column %s", idx.ID(), name)
		}
		length := model.UnspecifiedLength
		if i < len(prefixes) && prefixes[i] > 0 {
			length = int(prefixes[i])
		}
		info.Columns = append(info.Columns, &model.IndexColumn{Name: col.Name, Offset: col.Offset, Length: length})
	}
	return nil
}

func findColumn(ti *model.TableInfo, name string) *model.ColumnInfo {
	l := strings.ToLower(name)
	for _, c := range ti.Columns {
		if c.Name.L == l {
			return c
		}
	}
	return nil
}

// markKeyFlags sets UNIQUE_KEY or MULTIPLE_KEY on the first column of an
// index, as TiDB does.
func markKeyFlags(ti *model.TableInfo, info *model.IndexInfo) {
	if info.Primary || len(info.Columns) == 0 {
		return
	}
	col := ti.Columns[info.Columns[0].Offset]
	if info.Unique && len(info.Columns) == 1 {
		col.Flag |= model.UniqueKeyFlag
	} else {
		col.Flag |= model.MultipleKeyFlag
	}
}

// generatedExpr is the expression of a generated column without the
// parentheses the engine prints around it.
func generatedExpr(s string) string {
	s = strings.TrimSpace(s)
	for len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')' && balanced(s[1:len(s)-1]) {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// balanced reports whether the parentheses of s pair up.
func balanced(s string) bool {
	depth := 0
	for _, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}
