// Package model holds TiDB's schema metadata as Go structs that read and write
// exactly the JSON TiDB produces: DDL jobs (Job with its `binlog` HistoryInfo),
// databases (DBInfo), tables (TableInfo, ColumnInfo, IndexInfo, PartitionInfo)
// and column types (FieldType), plus the MySQL type and flag constants.
//
// # JSON compatibility
//
// The drainer reads DDL jobs from TiDB's status API (`GET /ddl/history`, an
// array indented with one space) or from the meta key `DDLJobHistory` (compact
// json.Marshal). The struct fields follow TiDB v7.0 in TiDB's order and with
// TiDB's key names: lower-case snake_case keys almost everywhere, but the
// capitalised Go field names inside `binlog` (SchemaVersion, DBInfo, TableInfo,
// FinishedTS, MultipleTableInfos) and inside column types (Tp, Flag, Flen,
// Decimal, Charset, Collate, Elems, ElemsIsBinaryLit, Array). For such a job,
// json.Unmarshal followed by json.Marshal reproduces TiDB's bytes exactly, and
// MarshalJobsIndent reproduces the status API body.
//
// Keys written by other TiDB versions that this package does not know are kept
// in the Extra map of the struct that held them and written back (sorted, after
// the known keys), so nothing is lost in a round trip. Parts of a job that the
// binlog tools never interpret (warnings, errors, reorg and multi-schema
// metadata, placement policies, TiFlash replicas, TTL, ...) are kept verbatim as
// json.RawMessage.
//
// Column default values (origin_default, default) keep their JSON form: a
// string, a json.Number (numbers are never converted to float64), a bool or
// nil.
package model
