// Package kafka is the drainer's `kafka` sink (SPEC 5.7): every item is
// translated to a secondary binlog (translator.TiBinlogToSecondaryBinlog,
// TIMESTAMP values in the drainer host's zone), marshaled and produced with
// sarama to one topic, partition 0, key nil.
//
// # Partitions
//
// By default (the original) everything goes to partition 0. Beyond the
// original, Config.PartitionBy = "table" or "key" spreads a DML's
// mutations over the topic's partitions by the hash of their table, or of
// their table and first unique key's values, so the rows of one table (or
// one key) keep their order within one partition. A DDL goes whole to every
// partition, and every partition gets a message for every commit ts (an
// empty DML when none of the mutations fell there), so that
// pkg/kafkareader can join the partitions back into whole transactions by
// commit ts. An item is acknowledged when all its messages are.
//
// # Exactly once
//
// Beyond the original, Config.ExactlyOnce makes the producer idempotent and
// transactional (transactional id "tidb_binlog_<topic>", the same after a
// restart): each item's messages are produced in one Kafka transaction and
// the item is reported only once it is committed, so the drainer's
// checkpoint never passes an item that is not on the topic. At start the
// sink reads the last commit ts committed to the topic (read committed);
// the drainer replays from its checkpoint, and the items at or below that
// ts are reported without being produced again. A drainer killed with a
// transaction open is fenced by the restarted one (its transaction is
// aborted and never visible to read-committed consumers), so the topic
// holds every commit ts exactly once.
//
// # Ack window
//
// Items are produced in the order Sync receives them and reported on
// Successes strictly in that order, each once Kafka acknowledged it (and
// every item before it). An item whose commit ts is not greater than the
// previous tracked one (a replay after a restart) is still produced but not
// tracked, so it is never reported. DDLs marked ShouldSkip are reported
// without being produced (as the file sink does).
//
// Sync stalls while more than MaxPendingBytes (90 MiB) are unacknowledged
// and more than one message is pending. If nothing is acknowledged for
// AckTimeout (30 s) while messages are pending, the sink fails; any producer
// error is fatal too. A message over kafka-max-message-size is refused by
// Sync with an error naming its commit ts (ErrMessageTooLarge); a broker
// that refuses a message as too large fails the sink with the same error.
//
// The producer settings are the original's: acks from all in-sync replicas,
// 10000 retries 500 ms apart (a broker restart is waited out), metadata of
// the topic only, Flush.MaxMessages = kafka-max-messages. ZooKeeper broker
// discovery (zookeeper-addrs) is not built in: New refuses it. A
// kafka-version older than 0.11.0.0 (the original's default is 0.8.2.0) is
// raised to 0.11.0.0: current brokers no longer accept the older produce
// requests.
package kafka
