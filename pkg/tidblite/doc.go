// Package tidblite is tidb-lite, the stand-in for TiDB (DESIGN 3): a
// MySQL-protocol server on go-mysql-server's in-memory engine that writes
// binlogs to the pumps exactly like a TiDB with binlog enabled, and serves
// the parts of TiDB's status API the binlog tools read.
//
// # How changes are observed
//
// The engine's provider, databases and tables are wrapped (hooks.go): every
// row a table editor inserts, updates or deletes (including the
// indexed-access path and DELETE-as-truncate) is reported with the session
// (= connection) ID. The engine's connection handler is wrapped too
// (handler.go): it sees every statement first, classifies it with the
// engine's own parser (classify.go) and runs the transaction protocol:
//
//   - Transactions are optimistic and run side by side (occ.go): each
//     session works on its own copies of the tables it touches, in an
//     engine transaction that is only ever rolled back. start_ts comes from
//     the TSO at BEGIN, or at the statement in autocommit mode, never while
//     a commit is between its commit_ts and its apply. The engine's copies
//     share their index rows, which its deletes rewrite in place: every
//     editor gets index rows of its own first (indexrows.go).
//   - Row events of a statement join the transaction when the statement
//     succeeds. At COMMIT they become a PrewriteValue (rows.go, encoded with
//     pkg/codec exactly as TiDB's table/tables.go does; primary key = the
//     smallest row or index key), written as the prewrite binlog before
//     commit_ts is taken; then, under a short commit lock, the write-write
//     conflict check (TiDB's 9007 error when a key was committed after
//     start_ts) and the re-apply of the row changes to the committed tables;
//     the commit binlog is written in the background; a conflict or a failed
//     apply writes a rollback binlog (commit.go). A transaction that wrote a
//     table a DDL changed since its start fails with TiDB's 8028 error. A
//     failed prewrite write fails the COMMIT with
//     TiDB's "critical error ..." unless ignore-error, which skips binlog
//     from then on.
//   - Schema-only DDLs the engine does not know (ddl_meta.go: CACHE,
//     ATTRIBUTES, placement policies, resource groups, sequences) become
//     jobs of TiDB's types without touching the engine; sequence functions
//     and their `select setval` mock DDL binlog are in sequence.go.
//   - DDL (ddl_plan.go, ddl_exec.go, job.go) becomes DDL jobs with TiDB's
//     IDs, schema versions and TableInfo (tableinfo.go, fieldtype.go); each
//     job's DDL binlogs (DROP COLUMN: two) carry ddl_job_id, ddl_query and
//     ddl_schema_state and wrap the engine's change.
//   - Partitioned tables (partition.go): RANGE or HASH on one integer
//     column; each partition has a physical ID and rows are written under
//     it. ADD/DROP/TRUNCATE PARTITION (partition_ddl.go) and RECOVER and
//     FLASHBACK TABLE (recover.go, from an in-memory recycle bin filled by
//     DROP and TRUNCATE TABLE) are run by tidb-lite itself: the engine
//     neither parses them nor knows partitions.
//
// # MySQL compatibility shims
//
// TiDB's session variables that clients set (the loader's
// allow_auto_random_explicit_insert, tidb_txn_mode, tidb_placement_mode
// and a few more) are registered with the engine; an unknown variable is
// MySQL's error 1193 (sysvars.go). CREATE and DROP SCHEMA run as CREATE
// and DROP DATABASE (classify.go). CAST(<TIME> AS CHAR) gives the time as
// text (funcs.go, an analyzer rule).
//
// # State
//
// The schema seen by TiDB's tools (catalog.go) is built only by applying
// finished jobs, like TiDB's info schema. The global ID allocator, schema
// version, _tidb_rowid allocators and job history live in a meta store
// (meta.go): PD's etcd when PD is configured, so several instances share
// them (jobs of other instances are replayed on this engine before each
// transaction, replay.go), else memory. The etcd session behind the DDL
// lock is reopened when its lease is lost, so one stall of PD longer than
// its TTL does not fail every later DDL. See FORMAT.md for the keys.
// Rows themselves are per instance and not persisted (cmd/tidb-lite says so
// at every start).
//
// The MVCC view of primary keys (mvcc.go) records the lock, commit or
// rollback of every transaction this server wrote, for GET /mvcc/hex/{key};
// the pump's resolver reads it. The crash switch (SetCrashNextTxn, POST
// /fault/crash) makes the next transaction die after its prewrite binlog.
//
// # Lifecycle
//
// Start connects to PD and the pumps, replays the DDL history, listens on the
// MySQL and status ports and registers /topology/tidb/<ip:port>/{info,ttl}.
// Close deregisters, closes connections (open transactions are abandoned),
// waits briefly for background commit binlogs and closes its clients.
//
// With Config.Security (cluster TLS) the status API is served over TLS
// (HTTP/1.1) to clients with a certificate of the CA, StatusURL is https://,
// and the topology (ip, status port) leads TLS clients such as the drainer
// and the pump's resolver there over https.
package tidblite
