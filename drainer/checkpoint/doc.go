// Package checkpoint stores the drainer's progress: the commit ts up to which
// every binlog has been written downstream, whether the downstream is at a
// consistent snapshot, the schema version, and (MySQL/TiDB only) the
// upstream-to-downstream ts map (SPEC 5.8).
//
// Two implementations of CheckPoint:
//
//   - MySQL (NewMySQL), for the mysql and tidb sinks: one row per cluster in
//     <schema>.<table>(clusterID bigint unsigned primary key, checkPoint
//     MEDIUMTEXT), written with
//     REPLACE INTO ... VALUES(<clusterID>, '{"consistent":..,"commitTS":..,"ts-map":{..},"schema-version":..}').
//     With an unknown cluster id (0, the relay-recovery path) the id of the
//     single existing row is used.
//   - File (NewFile), for the other sinks: the TOML file <data-dir>/savepoint
//     with the keys consistent, commitTS and schema-version, replaced
//     atomically (temp file, fsync, rename).
//
// Both keep the schema version monotonic (a save with a smaller version keeps
// the stored one). A missing checkpoint, or one whose commit ts is 0, loads as
// the caller's initial commit ts; a checkpoint that exists but cannot be read
// or decoded is a *CorruptError, never a silent restart from 0.
package checkpoint
