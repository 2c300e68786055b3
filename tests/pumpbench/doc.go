// Command pumpbench is the pump load tool behind `make bench`. It starts a real
// pd-lite and a real pump (sync-log on) from bin/, then drives the pump like
// TiDB does: C concurrent writers, each writing a prewrite binlog with an S-byte
// payload, waiting for the ack, taking a commit_ts from the TSO and writing the
// commit binlog. A puller reads the pump's stream at the same time. For each
// (S, C) cell it prints binlogs/s, MB/s, p50/p99/p999 write latency, and the
// commit-to-pull-arrival latency (arrival time minus the physical time of the
// commit_ts).
//
//	go run ./tests/pumpbench -sizes 1024,10240,102400 -writers 1,16,128 -duration 20s -runs 5
package main
