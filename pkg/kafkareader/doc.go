// Package kafkareader reads what the drainer's Kafka sink writes: a topic of
// secondary binlogs (proto/secondarypb, SPEC 1.5), from a commit ts on. It
// is the Go consumer package for users who read the topic themselves (the
// original ships it as tidb-tools/tidb-binlog/driver/reader) and arbiter
// reads through it.
//
// NewReader finds where to start with a binary search over each partition:
// the first offset whose message has a commit ts greater than
// Config.CommitTS (each probe reads one message, with one Fetch request, or
// through a partition consumer where transactional batches or markers
// are). It then consumes from
// there and delivers every message with a commit ts above the last one
// delivered (duplicates left by a drainer restart are dropped). A topic of
// several partitions (the Kafka sink's partition-by) is merged back: the
// reader waits for a message of every partition and joins those of the
// smallest commit ts into one binlog (a DDL once, the tables of a DML in
// partition order). A message that is not a secondary
// binlog stops the reader with a *DecodeError naming the topic, partition
// and offset.
//
// loader.SecondaryBinlogToTxn turns a decoded binlog into a loader.Txn.
// With Config.Raw the reader reads only each message's top-level fields and
// delivers the values (Message.Raw) to a consumer that decodes them itself
// (arbiter decodes straight into loader rows).
//
// RaiseSaramaLimits lifts sarama's process-wide 100 MiB request and
// response limits to fit 1 GiB messages (the drainer's largest).
package kafkareader
