// Command arbiter replicates the drainer's Kafka topic (db-type "kafka")
// into MySQL or TiDB. The logic lives in package arbiter; see README.md for
// the flags.
package main
