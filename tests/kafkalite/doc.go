// Command kafkalite is the Kafka broker of the shell test cases
// (tests/kafka): an in-memory single-broker cluster (franz-go's kfake) on a
// loopback port, with the case's topics created up front. It prints a line
// starting with "kafka-lite ready" once it accepts connections and stops on
// SIGTERM or SIGINT.
//
//	kafka-lite -addr 127.0.0.1:9092 -topics binlog_test_topic
package main
