package model

import (
	"encoding/json"
	"fmt"
	"strings"
)

// FindColumnByID returns the column with the given id, or nil.
func (t *TableInfo) FindColumnByID(id int64) *ColumnInfo {
	for _, c := range t.Columns {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// FindColumnByName returns the column with the given name (compared
// case-insensitively), or nil.
func (t *TableInfo) FindColumnByName(name string) *ColumnInfo {
	l := strings.ToLower(name)
	for _, c := range t.Columns {
		if c.Name.L == l {
			return c
		}
	}
	return nil
}

// FindIndexByName returns the index with the given name (case-insensitive), or nil.
func (t *TableInfo) FindIndexByName(name string) *IndexInfo {
	l := strings.ToLower(name)
	for _, ix := range t.Indices {
		if ix.Name.L == l {
			return ix
		}
	}
	return nil
}

// GetPkColInfo returns the integer primary-key column that is the row handle
// (PKIsHandle), or nil.
func (t *TableInfo) GetPkColInfo() *ColumnInfo {
	if !t.PKIsHandle {
		return nil
	}
	for _, c := range t.Columns {
		if HasPriKeyFlag(c.Flag) {
			return c
		}
	}
	return nil
}

// GetPrimaryKey returns the index flagged primary, or else the first unique
// index whose columns are all NOT NULL (MySQL's implicit primary key), or nil.
// A PKIsHandle table has no primary index; use GetPkColInfo.
func (t *TableInfo) GetPrimaryKey() *IndexInfo {
	var implicit *IndexInfo
	for _, ix := range t.Indices {
		if ix.Primary {
			return ix
		}
		if implicit == nil && ix.Unique && t.allNotNull(ix) {
			implicit = ix
		}
	}
	return implicit
}

func (t *TableInfo) allNotNull(ix *IndexInfo) bool {
	for _, ic := range ix.Columns {
		if ic.Offset < 0 || ic.Offset >= len(t.Columns) || !HasNotNullFlag(t.Columns[ic.Offset].Flag) {
			return false
		}
	}
	return true
}

// HandleColumns returns the columns that make up the row handle: the pk column
// for PKIsHandle, the primary index columns (in index order) for a common
// handle, nil when the handle is the implicit _tidb_rowid.
func (t *TableInfo) HandleColumns() []*ColumnInfo {
	if pk := t.GetPkColInfo(); pk != nil {
		return []*ColumnInfo{pk}
	}
	if !t.IsCommonHandle {
		return nil
	}
	for _, ix := range t.Indices {
		if !ix.Primary {
			continue
		}
		cols := make([]*ColumnInfo, 0, len(ix.Columns))
		for _, ic := range ix.Columns {
			if ic.Offset < 0 || ic.Offset >= len(t.Columns) {
				return nil
			}
			cols = append(cols, t.Columns[ic.Offset])
		}
		return cols
	}
	return nil
}

// PublicColumns returns the columns in state public, in offset order.
func (t *TableInfo) PublicColumns() []*ColumnInfo {
	cols := make([]*ColumnInfo, 0, len(t.Columns))
	for _, c := range t.Columns {
		if c.State == StatePublic {
			cols = append(cols, c)
		}
	}
	return cols
}

// WritableColumns returns the public columns that are not generated: the
// columns a replicated INSERT or UPDATE writes.
func (t *TableInfo) WritableColumns() []*ColumnInfo {
	cols := make([]*ColumnInfo, 0, len(t.Columns))
	for _, c := range t.Columns {
		if c.State == StatePublic && !c.IsGenerated() {
			cols = append(cols, c)
		}
	}
	return cols
}

// IsView reports whether the table is a view.
func (t *TableInfo) IsView() bool { return len(t.View) > 0 && string(t.View) != "null" }

// IsSequence reports whether the table is a sequence.
func (t *TableInfo) IsSequence() bool { return len(t.Sequence) > 0 && string(t.Sequence) != "null" }

// PartitionIDs returns the ids of all partitions (nil for a plain table).
func (t *TableInfo) PartitionIDs() []int64 {
	if t.Partition == nil {
		return nil
	}
	ids := make([]int64, 0, len(t.Partition.Definitions))
	for _, d := range t.Partition.Definitions {
		ids = append(ids, d.ID)
	}
	return ids
}

// Clone returns a deep copy made through JSON.
func (t *TableInfo) Clone() (*TableInfo, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("model: clone table %d: %w", t.ID, err)
	}
	var c TableInfo
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("model: clone table %d: %w", t.ID, err)
	}
	return &c, nil
}

// IsGenerated reports whether the column is a generated column.
func (c *ColumnInfo) IsGenerated() bool { return c.GeneratedExprString != "" }

// IsPublic reports whether the column is in state public.
func (c *ColumnInfo) IsPublic() bool { return c.State == StatePublic }

// Type returns the column's field type.
func (c *ColumnInfo) Type() *FieldType { return &c.FieldType }

// String returns the column name.
func (c *ColumnInfo) String() string { return c.Name.O }

// OriginDefault returns the column's original default value (the value rows
// written before the column existed have) as text. ok is false when the
// default is NULL or absent. For BIT columns the raw bytes of
// origin_default_bit are returned when present.
func (c *ColumnInfo) OriginDefault() (value string, ok bool) {
	if c.Tp == TypeBit && c.OriginDefaultBit != nil {
		return string(c.OriginDefaultBit), true
	}
	return defaultText(c.OriginDefaultValue)
}

// Default returns the column's current default value as text; ok is false
// when it is NULL or absent. For BIT columns the raw bytes of default_bit are
// returned when present.
func (c *ColumnInfo) Default() (value string, ok bool) {
	if c.Tp == TypeBit && c.DefaultValueBit != nil {
		return string(c.DefaultValueBit), true
	}
	return defaultText(c.DefaultValue)
}

func defaultText(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		if x {
			return "1", true
		}
		return "0", true
	default:
		return fmt.Sprint(x), true
	}
}
