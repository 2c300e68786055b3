// Command pumpbench is the pump load tool behind `make bench`. It starts a real
// pd-lite and a real pump (sync-log on) from bin/, then drives the pump like
// TiDB does: C concurrent writers, each writing a prewrite binlog with an S-byte
// payload, waiting for the ack, taking a commit_ts from the TSO and writing the
// commit binlog without waiting for it, as TiDB does (-sync-commit waits). A puller reads the pump's stream at the same time. For each
// (S, C) cell it prints binlogs/s, MB/s, p50/p99/p999 write latency, the
// commit-to-pull-arrival latency (from the moment the writer obtained the
// commit_ts, as PD's TSO physical time lags by up to 50 ms), its p99 counted
// from the commit binlog's acknowledgement instead (ack-pull-p99: what the
// pump's index, sorter and pull add to the commit's own write), and the CPU
// time each process spent per binlog. First it prints what the machine can
// do (fdatasyncs/s, sequential MiB/s, a gRPC round trip, a TSO request), so
// that runs on machines of different speed can be compared. With -backlog,
// each cell then pulls everything again from 0, as a drainer catching up
// does, and prints the commits/s and the pump's CPU time per commit. With
// -rate, the writers offer that many binlogs/s in all instead of writing as
// fast as they can (an open loop: latency at a load below saturation).
//
//	go run ./tests/pumpbench -sizes 1024,10240,102400 -writers 1,16,128 -duration 20s -runs 5
package main
