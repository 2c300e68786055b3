// Package secondarypb holds the secondary binlog (proto package slave.binlog)
// that the drainer writes to Kafka and to its relay log, and that arbiter reads.
package secondarypb
