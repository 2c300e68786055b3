// Package arbiter replicates the drainer's Kafka topic into MySQL or TiDB
// (SPEC 8): it reads secondary binlogs with pkg/kafkareader and applies
// them through pkg/loader. The reader delivers them undecoded (Raw) and
// the decoder (wire.go) reads a DML binlog straight into loader rows, with
// the result loader.SecondaryBinlogToTxn would give and a few allocations a
// row instead of ~25; DDLs and anything unusual take the protobuf path.
//
// Its checkpoint is the row of the topic in
// tidb_binlog.arbiter_checkpoint(topic_name, ts, status) on the downstream.
// At start the stored ts (or [up] initial-commit-ts when there is none) is
// where reading resumes; a stored status of Running (1) means the last run
// did not exit cleanly, and, unless safe mode is on anyway, the loader runs
// in safe mode for the first 5 minutes (INSERT as REPLACE, UPDATE as
// DELETE + REPLACE) so that replayed transactions are idempotent. While
// running, the commit ts of the latest applied transaction is saved every
// second with status Running; a clean exit saves it once more with status
// Normal (0).
//
// Messages whose commit ts is not above the last one received are dropped
// (the drainer may replay after a restart).
package arbiter
