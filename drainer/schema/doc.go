// Package schema tracks the upstream TiDB schema for the drainer (SPEC 5.2,
// 5.5, 5.6 "Schema tracking" and 12.9).
//
// # Schema
//
// A Schema is built from the DDL history (History.AllJobs at startup) and
// then fed the job of every DDL binlog (AddJob). Jobs are applied lazily and
// strictly in schema-version order: HandlePreviousDDLJobIfNeed(v) applies
// every pending job whose version is <= v, so that a DML written under schema
// version v is decoded with the tables as they were at v. A job that does not
// come after the last applied one (by version, then job id) is skipped: the
// DDL binlog of a job the history already gave is not applied twice.
//
// It keeps table id -> (schema, table), schema name -> id, for each table the
// last two (version, TableInfo) pairs (rows written under the older one are
// completed with its defaults), the ids of truncated tables (their DML from
// TiDB instances that still had the old id is dropped), the tables in the
// DeleteOnly state of a DROP COLUMN, and version -> (schema, table) of the
// applied DDL jobs for the syncer (GetSchemaTableAndDelete). Rows of a
// partitioned table carry partition ids: they resolve to the table. Database
// id 1 `mysql` exists from the start, as in TiDB.
//
// Handled job types: CreateSchema, ModifySchemaCharsetAndCollate, DropSchema,
// RenameTable, RenameTables, CreateTable, CreateView, CreateSequence,
// RecoverTable, DropTable, DropView, DropSequence, TruncateTable, CreateTables,
// TruncateTablePartition and ExchangeTablePartition; every other known
// table-level type replaces the table info with the job's. A type that the
// drainer does not support (IsUnsupportedDDLJob: TiFlash replica status,
// lock/unlock, cache/nocache, attributes, placement, resource groups,
// flashback, and any type it does not know) is skipped, logged and counted,
// never fatal (DESIGN 2.2).
//
// # The DeleteOnly rule
//
// TiDB writes two DDL binlogs for a DROP COLUMN: one when the column reaches
// DeleteOnly (ddl_schema_state 1) and one when the job is done. Both carry
// the same job id, and the history holds one job for them. JobForBinlog gives
// the first binlog a copy of the job marked DeleteOnly; the schema orders it
// before the done job of the same version, marks the table as dropping a
// column (CanAppendDefaultValue) until the done job is applied, and the
// syncer does not replicate it.
//
// # History
//
// The original drainer read the DDL history from TiKV. History reads it from
// TiDB's status API instead (DESIGN 1): GET /ddl/history, paginated with
// start_job_id and limit on TiDB >= 6.3 (pages are newest first) and read in
// one request from older TiDB, which ignores those parameters. TiDB servers
// are found through a URLSource: a static list (tidb-status-urls) or the
// topology TiDB keeps in PD's etcd (/topology/tidb/<ip:port>/{info,ttl}).
// While no TiDB answers, AllJobs and Job wait with backoff and log that they
// wait; only their context ends the wait. A TiDB answer that cannot be
// decoded is an error, never a skipped job.
package schema
