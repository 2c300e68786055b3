// Package loader applies upstream transactions (DDLs and row changes) to a
// MySQL-compatible database and reports each one's success in input order.
//
// The drainer's MySQL/TiDB sink, reparo and arbiter all feed it Txns:
//
//	db, err := loader.OpenDB(loader.DBConfig{Host: h, Port: p, User: u})
//	l, err := loader.New(db, loader.DefaultOptions())
//	go l.Run(ctx)             // returns nil once Input is closed and all is applied
//	l.Input() <- txn          // ...
//	for txn := range l.Successes() { /* checkpoint txn */ }
//
// # Statements
//
// Each DML is resolved against the downstream table as information_schema
// describes it (generated columns excluded, unique keys with PRIMARY first;
// cached per table, evicted by any DDL on it). Column lists are in sorted
// name order. INSERT lists every written column; UPDATE sets every column
// and, like DELETE, finds the row by the first unique key whose values are
// all non-NULL, or else by every column (NULL as IS NULL), with LIMIT 1. In
// safe mode an INSERT is a REPLACE and an UPDATE a DELETE of the old key
// followed by a REPLACE, so a replayed stretch of transactions converges to
// the same rows (except in tables without any unique key, where REPLACE is
// an INSERT). The golden test checks these statements against the
// original's for real TiDB transactions.
//
// # Batching
//
// With dispatch on (the default), Run accumulates the DMLs of consecutive
// transactions until the input is momentarily empty or until BatchSize x
// WorkerCount x 3 DMLs, then dispatches the batch to WorkerCount workers.
// While every worker is busy, and for up to 2 ms in merge mode, more
// transactions are accumulated before a batch is dispatched. Each worker
// applies its queue in order on a connection of its own, in downstream
// transactions ("chunks") of at most BatchSize row changes (merge mode: as
// many as it has queued, up to a batch). A chunk is sent with few round
// trips: consecutive inserts into one table with the same columns become
// one multi-row INSERT (REPLACE in safe mode), consecutive deletes by a
// non-NULL unique key one DELETE ... IN, and consecutive "upsertable" rows
// one INSERT ... ON DUPLICATE KEY UPDATE c=VALUES(c),... (see below); the
// statements of a chunk travel as multi-statement requests of at most
// 4 MiB with client-side interpolated arguments. A lone update keeps the
// original's UPDATE.
//
// A row is upsertable when its table's only unique key is the primary key
// and it either is a merged REPLACE or an UPDATE that keeps the primary key
// exactly (same Go type, same bytes: under a binary collation 'A' -> 'a'
// moves the row, and only the UPDATE moves it). With a single unique key
// the upsert sets exactly the row the UPDATE (or safe mode's DELETE +
// REPLACE, or the REPLACE) would; a row missing downstream is written, as
// safe mode would. Unlike REPLACE, which InnoDB runs as a delete and an
// insert that touch every secondary index twice, the upsert updates the row
// in place. A table with a second unique key keeps REPLACE or UPDATE: there
// an upsert could update the row of the other key instead.
//
// A DDL waits until every DML before it is applied, runs alone (after
// `USE db` unless it is CREATE DATABASE; ignorable "already exists / does
// not exist" errors are ignored) and only then are later transactions
// resolved and dispatched. With dispatch off every transaction is applied
// alone, in one downstream transaction.
//
// # Merge mode
//
// Merge mode's batches are twice as long: BatchSize x WorkerCount x 6 DMLs.
// It first merges the batch per primary key (each key ends as one
// DELETE or one REPLACE; an update that moves the key deletes the old one),
// deletes before replaces; tables without a primary key are applied row by
// row. Keys are compared exactly: a table whose batch holds two keys that
// are equal only once case-folded and right-trimmed ('A', 'a ') is not
// merged in that batch, since a binary collation keeps them apart and a
// case-insensitive one does not. Each table's deletes, and each table's
// replaces, are split by key hash into WorkerCount/2 bulk groups (sorted by
// an integer primary key); group p of a table goes to the same worker batch
// after batch, so a key's bulk rows stay on one worker and consecutive
// batches run at once: unlike the original, the next batch does not wait
// for the whole previous one, causality alone orders them (a group whose
// keys are queued elsewhere follows them there). Consecutive groups queued
// on a worker fold into one statement, so statements grow when the
// downstream falls behind.
//
// # Causality and ordering
//
// Every row change has keys: for each unique key with non-NULL values,
// the key columns' values and the table, from the new row and, for an
// update, the old row too (a row without a usable unique key is keyed by
// all its values). String values are lower-cased and right-trimmed, so
// that case-insensitive and PAD SPACE collations cannot hide a conflict.
// A row change goes to the worker that still has a row change with one of
// its keys queued or in flight, so two changes of one row (or of one
// unique value moving between rows) are applied in input order. A key
// whose row changes are all applied is free again; a row change whose
// keys are held by two workers waits until all but one of them have
// applied theirs (the original flushed every worker instead). Without
// causality a row change goes to crc32(first key) % WorkerCount.
//
// Downstream transactions are therefore not the upstream ones: they mix
// the row changes of many transactions, and intermediate downstream states
// are not upstream snapshots; consistency holds once Successes has reported
// a transaction and everything before it.
//
// # Success reporting and memory
//
// Successes reports transactions strictly in input order, a batch once all
// its row changes are committed (a DDL once it ran). For a `tidb`
// destination, at most once a minute the TSO of SHOW MASTER STATUS is
// read after a batch and set as AppliedTS of its transactions.
// The bytes of the transactions accepted and not yet reported are bounded
// by Options.MaxBytes (a larger transaction is admitted alone), so the
// input, the batch and every worker queue stay within the budget.
//
// # Errors
//
// Errors are classified, not retried blindly. Deadlocks, lock wait
// timeouts, read-only servers, killed or lost connections and server
// shutdowns are retried with backoff (up to 100 attempts) on a fresh
// connection, and the retry runs in safe mode: a connection lost during
// COMMIT may have committed the chunk. An unknown column refreshes the
// table info and retries in partial-column mode. Anything else (syntax,
// data too long, duplicate key, unknown column in full-column mode) stops
// Run at once with an *ApplyError naming the table, the operation and the
// commit ts, with row values redacted from the server's message.
//
// # Measured choices
//
// Measured with loaderbench (the issue-10 workload: 200,000 rows of
// `(id BIGINT PRIMARY KEY, k INT, c VARCHAR(120), pad VARCHAR(60))` as
// 20,000 transactions of 10 DMLs, 16 workers, batch 20) against MariaDB
// 10.11 on the 2-core machine the project's helpers share, whose load
// average was 15 to 38 during these measurements: rates moved 5x from one
// run to the next, so every comparison below interleaves its variants and
// compares medians. `loaderbench -runs N` prints them.
//
//   - Merge mode, WorkerCount/2 lanes and batches of BatchSize x
//     WorkerCount x 6 (was WorkerCount/4 and x 3): merge-on update rows/s,
//     medians of interleaved runs, 30,300 (5 runs) against 17,800 (8 runs);
//     as a ratio to the run's multi-row ceiling 0.52 against 0.39; p99
//     1.5 s against 1.3 s. 8 lanes with x 1 (0.39) or 4 lanes with x 2
//     (0.39) alone did not help, nor did 16 lanes (0.22; with x 2, 0.32
//     and 0.60 in 2 runs; 8 lanes with x 4, 0.35 and 0.94). More lanes keep
//     more server threads busy (the ceiling runs 16 connections), longer
//     batches make longer statements and fewer commits.
//   - Upsert instead of REPLACE for merged rows and key-keeping updates:
//     on this table (no secondary index) the server spends about the same
//     CPU on both (median 26 and 23 us per row for 960-row statements from
//     4 connections); the upsert stays for tables with secondary indexes,
//     which REPLACE may rewrite as a delete and an insert.
//   - The loader's own CPU competes with the server for the same cores:
//     rows share the table's sorted column list, causality keys are
//     computed once, merged rows are copies, not re-resolved:
//     BenchmarkMergeBatch went from 13,517 to 8,725 allocations per
//     960-row insert batch (15,449 to 9,694 for updates).
//   - Prepared statements reused per shape were measured against the
//     interpolated text and are not used. Server CPU per row (mariadbd's
//     own CPU time, medians of 3 interleaved runs): 960-row upserts from 4
//     connections 22.0 us prepared against 26.1 us interpolated, but
//     240-row upserts 46.5 us against 30.9 us; transactions of 20
//     single-row inserts (merge off) cost the same on the server while the
//     client spent about twice the CPU (23 against 13 us per row): a
//     prepared statement is one round trip per row, where the interpolated
//     statements of a chunk travel as one multi-statement request. A cached
//     shape also fixes the row count of a bulk statement, while the loader's
//     bulk statements have any length; so neither mode gains enough to pay
//     for a per-connection statement cache and its invalidation after DDL.
//
// # Loopback
//
// With Options.Loopback the loader creates retl._drainer_repl_mark, seeds
// one row per worker for its channel, begins every downstream transaction
// by bumping its worker's row and deletes its channel's rows when Run ends.
package loader
