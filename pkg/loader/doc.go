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
// Each worker applies its queue in order on a connection of its own, in
// downstream transactions ("chunks") of at most BatchSize row changes
// (merge mode: as many as it has queued, up to a batch). A chunk is sent
// with few round trips: consecutive inserts into one table with the same
// columns become one multi-row INSERT (REPLACE in safe mode), consecutive
// deletes by a non-NULL unique key one DELETE ... IN, consecutive updates
// that keep the primary key of a table whose only unique key is that
// primary key one INSERT ... ON DUPLICATE KEY UPDATE (with one unique key
// it sets exactly the row the UPDATE would; a row missing downstream is
// written, as safe mode would), and the statements
// of a chunk travel as multi-statement requests of at most 4 MiB with
// client-side interpolated arguments (so there is no server-side prepare
// round trip to amortise; the statement text is rebuilt per chunk).
//
// A DDL waits until every DML before it is applied, runs alone (after
// `USE db` unless it is CREATE DATABASE; ignorable "already exists / does
// not exist" errors are ignored) and only then are later transactions
// resolved and dispatched. With dispatch off every transaction is applied
// alone, in one downstream transaction.
//
// Merge mode first merges the batch per primary key (each key ends as one
// DELETE or one REPLACE; an update that moves the key deletes the old one),
// deletes before replaces; tables without a primary key are applied row by
// row. Each table's deletes, and each table's replaces, are split by key
// hash into WorkerCount/4 bulk groups (sorted by an integer primary key);
// group p of a table goes to the same worker batch after batch, so a key's
// bulk rows stay on one worker and consecutive batches run at once: unlike
// the original, the next batch does not wait for the whole previous one,
// causality alone orders them (a group whose keys are queued elsewhere
// follows them there).
// While every worker is busy, and for up to 2 ms in merge mode, more
// transactions are accumulated before a batch is dispatched.
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
// # Loopback
//
// With Options.Loopback the loader creates retl._drainer_repl_mark, seeds
// one row per worker for its channel, begins every downstream transaction
// by bumping its worker's row and deletes its channel's rows when Run ends.
package loader
