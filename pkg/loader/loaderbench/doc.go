// Command loaderbench measures pkg/loader against a MySQL-compatible server:
// first the server's own two ceilings (multi-row inserts of 1,000 rows, and
// transactions of 20 single-row inserts, both on 16 connections), then the
// loader with merge off and on: rows/s of an insert, an update-by-random-pk
// and a delete phase, and the p99 latency from a transaction's hand-over to
// its success.
package main
