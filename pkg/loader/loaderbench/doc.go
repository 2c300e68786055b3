// Command loaderbench measures pkg/loader against a MySQL-compatible server:
// first the server's own two ceilings (multi-row inserts of 1,000 rows, and
// transactions of 20 single-row inserts, both on 16 connections), then the
// loader with merge off and on: rows/s of an insert, an update-by-random-pk
// and a delete phase, each with its ratio to the run's ceiling (merge off
// against the single-row one, merge on against the multi-row one), and the
// p99 latency from a transaction's hand-over to its success.
//
// On a shared machine one run says little: -runs N repeats everything and
// prints the medians (each ratio against its own run's ceiling); -v adds
// each phase's wall time, process CPU and the workers' summed statement and
// COMMIT time.
package main
