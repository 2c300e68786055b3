// Command drainerbench is the drainer's end-to-end benchmark behind `make
// bench`: it starts real pd-lite, pump, tidb-lite and drainer processes
// from bin/, the drainer replicating into MariaDB (mysql sink, the default
// worker-count 16 and txn-batch 20, which are also pkg/loader/loaderbench's
// settings). It creates the table
// (id BIGINT PRIMARY KEY, k INT, c VARCHAR(120), pad VARCHAR(60)) through
// tidb-lite, so the drainer learns it from tidb-lite's DDL history, then
// writes row binlogs itself through pkg/pumpclient, encoded as tidb-lite
// would write them (tests/testcluster.RowTable), with start_ts and commit_ts
// from pd-lite's TSO: the loader benchmark's workload of inserts, updates by
// random primary key and deletes, 10 DMLs per transaction.
//
// For each phase it prints the rows/s applied downstream, from the first
// transaction the drainer confirms to its last (as loaderbench times the
// loader from its first transaction to its last success; the drainer's
// start-up is not timed), then checks that MariaDB holds exactly the
// expected table (a checksum, not timed), and, given
// pkg/loader's numbers for the same rows (-loader), the ratio to pkg/loader
// alone. Two modes: backlog (the phase is written to the pump while the
// drainer is stopped, then the drainer applies it: the drainer's own rate)
// and live (the drainer runs while the writers write: the whole chain).
//
//	go run ./tests/drainerbench -rows 100000 -loader 30000,25000,28000
package main
