package model

import (
	"encoding/json"
	"fmt"
)

// DBInfo describes a database.
type DBInfo struct {
	ID                 int64           `json:"id"`
	Name               CIStr           `json:"db_name"`
	Charset            string          `json:"charset"`
	Collate            string          `json:"collate"`
	State              SchemaState     `json:"state"`
	PlacementPolicyRef json.RawMessage `json:"policy_ref_info"`

	Extra Extra `json:"-"`
}

// TableInfo describes a table (or a view or sequence).
type TableInfo struct {
	ID                    int64           `json:"id"`
	Name                  CIStr           `json:"name"`
	Charset               string          `json:"charset"`
	Collate               string          `json:"collate"`
	Columns               []*ColumnInfo   `json:"cols"`
	Indices               []*IndexInfo    `json:"index_info"`
	Constraints           json.RawMessage `json:"constraint_info"`
	ForeignKeys           json.RawMessage `json:"fk_info"`
	State                 SchemaState     `json:"state"`
	PKIsHandle            bool            `json:"pk_is_handle"`
	IsCommonHandle        bool            `json:"is_common_handle"`
	CommonHandleVersion   uint16          `json:"common_handle_version"`
	Comment               string          `json:"comment"`
	AutoIncID             int64           `json:"auto_inc_id"`
	AutoIDCache           int64           `json:"auto_id_cache"`
	AutoRandID            int64           `json:"auto_rand_id"`
	MaxColumnID           int64           `json:"max_col_id"`
	MaxIndexID            int64           `json:"max_idx_id"`
	MaxForeignKeyID       int64           `json:"max_fk_id"`
	MaxConstraintID       int64           `json:"max_cst_id"`
	UpdateTS              uint64          `json:"update_timestamp"`
	ShardRowIDBits        uint64          `json:"ShardRowIDBits"`
	MaxShardRowIDBits     uint64          `json:"max_shard_row_id_bits"`
	AutoRandomBits        uint64          `json:"auto_random_bits"`
	AutoRandomRangeBits   uint64          `json:"auto_random_range_bits"`
	PreSplitRegions       uint64          `json:"pre_split_regions"`
	Partition             *PartitionInfo  `json:"partition"`
	Compression           string          `json:"compression"`
	View                  json.RawMessage `json:"view"`
	Sequence              json.RawMessage `json:"sequence"`
	Lock                  json.RawMessage `json:"Lock"`
	Version               uint16          `json:"version"`
	TiFlashReplica        json.RawMessage `json:"tiflash_replica"`
	IsColumnar            bool            `json:"is_columnar"`
	TempTableType         byte            `json:"temp_table_type"`
	TableCacheStatusType  int             `json:"cache_table_status"`
	PlacementPolicyRef    json.RawMessage `json:"policy_ref_info"`
	StatsOptions          json.RawMessage `json:"stats_options"`
	ExchangePartitionInfo json.RawMessage `json:"exchange_partition_info"`
	TTLInfo               json.RawMessage `json:"ttl_info"`

	Extra Extra `json:"-"`
}

// ColumnInfo describes a column. The type is embedded as in TiDB and written
// under the key "type".
type ColumnInfo struct {
	ID                  int64               `json:"id"`
	Name                CIStr               `json:"name"`
	Offset              int                 `json:"offset"`
	OriginDefaultValue  any                 `json:"origin_default"`
	OriginDefaultBit    []byte              `json:"origin_default_bit"`
	DefaultValue        any                 `json:"default"`
	DefaultValueBit     []byte              `json:"default_bit"`
	DefaultIsExpr       bool                `json:"default_is_expr"`
	GeneratedExprString string              `json:"generated_expr_string"`
	GeneratedStored     bool                `json:"generated_stored"`
	Dependences         map[string]struct{} `json:"dependences"`
	FieldType           `json:"type"`
	State               SchemaState     `json:"state"`
	Comment             string          `json:"comment"`
	Hidden              bool            `json:"hidden"`
	ChangeStateInfo     json.RawMessage `json:"change_state_info"`
	Version             uint64          `json:"version"`

	Extra Extra `json:"-"`
}

// IndexInfo describes an index.
type IndexInfo struct {
	ID            int64          `json:"id"`
	Name          CIStr          `json:"idx_name"`
	Table         CIStr          `json:"tbl_name"`
	Columns       []*IndexColumn `json:"idx_cols"`
	State         SchemaState    `json:"state"`
	BackfillState int            `json:"backfill_state"`
	Comment       string         `json:"comment"`
	Tp            int            `json:"index_type"`
	Unique        bool           `json:"is_unique"`
	Primary       bool           `json:"is_primary"`
	Invisible     bool           `json:"is_invisible"`
	Global        bool           `json:"is_global"`
	MVIndex       bool           `json:"mv_index"`

	Extra Extra `json:"-"`
}

// IndexColumn is one column of an index; Length is the prefix length or -1.
type IndexColumn struct {
	Name   CIStr `json:"name"`
	Offset int   `json:"offset"`
	Length int   `json:"length"`
}

// PartitionInfo describes the partitioning of a table. Rows of a partitioned
// table are written under the partition ids of Definitions.
type PartitionInfo struct {
	Type                int                   `json:"type"`
	Expr                string                `json:"expr"`
	Columns             []CIStr               `json:"columns"`
	Enable              bool                  `json:"enable"`
	Definitions         []PartitionDefinition `json:"definitions"`
	AddingDefinitions   []PartitionDefinition `json:"adding_definitions"`
	DroppingDefinitions []PartitionDefinition `json:"dropping_definitions"`
	States              json.RawMessage       `json:"states"`
	Num                 uint64                `json:"num"`

	Extra Extra `json:"-"`
}

// PartitionDefinition is one partition.
type PartitionDefinition struct {
	ID                 int64           `json:"id"`
	Name               CIStr           `json:"name"`
	LessThan           []string        `json:"less_than"`
	InValues           [][]string      `json:"in_values"`
	PlacementPolicyRef json.RawMessage `json:"policy_ref_info"`
	Comment            string          `json:"comment,omitempty"`

	Extra Extra `json:"-"`
}

type (
	dbInfoJSON        DBInfo
	tableInfoJSON     TableInfo
	columnInfoJSON    ColumnInfo
	indexInfoJSON     IndexInfo
	partitionInfoJSON PartitionInfo
	partitionDefJSON  PartitionDefinition
)

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (d *DBInfo) UnmarshalJSON(data []byte) error {
	var v dbInfoJSON
	extra, err := decodeObject(data, &v, false)
	if err != nil {
		return fmt.Errorf("model: decode db info: %w", err)
	}
	*d = DBInfo(v)
	d.Extra = extra
	return nil
}

// MarshalJSON implements json.Marshaler.
func (d DBInfo) MarshalJSON() ([]byte, error) { return encodeObject(dbInfoJSON(d), d.Extra) }

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (t *TableInfo) UnmarshalJSON(data []byte) error {
	var v tableInfoJSON
	extra, err := decodeObject(data, &v, false)
	if err != nil {
		return fmt.Errorf("model: decode table info: %w", err)
	}
	*t = TableInfo(v)
	t.Extra = extra
	return nil
}

// MarshalJSON implements json.Marshaler.
func (t TableInfo) MarshalJSON() ([]byte, error) { return encodeObject(tableInfoJSON(t), t.Extra) }

// UnmarshalJSON implements json.Unmarshaler. Numeric default values are kept
// as json.Number.
func (c *ColumnInfo) UnmarshalJSON(data []byte) error {
	var v columnInfoJSON
	extra, err := decodeObject(data, &v, true)
	if err != nil {
		return fmt.Errorf("model: decode column info: %w", err)
	}
	*c = ColumnInfo(v)
	c.Extra = extra
	return nil
}

// MarshalJSON implements json.Marshaler.
func (c ColumnInfo) MarshalJSON() ([]byte, error) { return encodeObject(columnInfoJSON(c), c.Extra) }

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (ix *IndexInfo) UnmarshalJSON(data []byte) error {
	var v indexInfoJSON
	extra, err := decodeObject(data, &v, false)
	if err != nil {
		return fmt.Errorf("model: decode index info: %w", err)
	}
	*ix = IndexInfo(v)
	ix.Extra = extra
	return nil
}

// MarshalJSON implements json.Marshaler.
func (ix IndexInfo) MarshalJSON() ([]byte, error) { return encodeObject(indexInfoJSON(ix), ix.Extra) }

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (p *PartitionInfo) UnmarshalJSON(data []byte) error {
	var v partitionInfoJSON
	extra, err := decodeObject(data, &v, false)
	if err != nil {
		return fmt.Errorf("model: decode partition info: %w", err)
	}
	*p = PartitionInfo(v)
	p.Extra = extra
	return nil
}

// MarshalJSON implements json.Marshaler.
func (p PartitionInfo) MarshalJSON() ([]byte, error) {
	return encodeObject(partitionInfoJSON(p), p.Extra)
}

// UnmarshalJSON implements json.Unmarshaler, keeping unknown members in Extra.
func (p *PartitionDefinition) UnmarshalJSON(data []byte) error {
	var v partitionDefJSON
	extra, err := decodeObject(data, &v, false)
	if err != nil {
		return fmt.Errorf("model: decode partition definition: %w", err)
	}
	*p = PartitionDefinition(v)
	p.Extra = extra
	return nil
}

// MarshalJSON implements json.Marshaler.
func (p PartitionDefinition) MarshalJSON() ([]byte, error) {
	return encodeObject(partitionDefJSON(p), p.Extra)
}
