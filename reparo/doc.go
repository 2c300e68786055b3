// Package reparo restores the drainer's file-sink output (binlog files of
// pb_binlog records, SPEC 1.6 and 7) into MySQL, prints it, keeps it in
// memory, or reverts a time range of it ("undo").
//
// A run selects the binlog files by the first commit ts of each, reads the
// records whose commit ts is in the inclusive range [start, stop], drops
// the events the replicate-* filters exclude and hands each binlog to the
// destination:
//
//   - mysql: translated into loader.Txns and applied through pkg/loader
//     (worker-count workers, txn-batch row changes per transaction, safe
//     mode on request);
//   - print: the original's text lines on stdout ("DDL query: ...",
//     "schema: s; table: t; type: Insert", "name(type): value");
//   - memory: kept in memory (tests);
//   - undo: the SQL that reverts the range, newest first, built from the
//     before-images in the files; printed, or applied with -apply.
//
// Beyond the original, a run reports progress on stderr (a live line on a
// terminal, periodic log lines otherwise, a summary at the end) and keeps a
// checkpoint (the table tidb_binlog.reparo_checkpoint in the destination, or
// a file for print), so an interrupted restore continues where it stopped;
// the first replayed stretch runs in safe mode. A damaged record in the
// middle of a file is reported with its file and offset and skipped; a torn
// record at the end of the last file ends the input.
//
// A restore usually shares the machine's cores with the database, so the
// mysql path keeps its CPU per row low: records are decoded without
// reflection into a few blocks aliasing the record's bytes (wire.go), text
// values are strings over those bytes, and the reader hands binlogs over
// in batches. (A higher GOGC was tried: fewer collections, but both reparo
// and the loader alone restored at 30k rows/s instead of 50k.)
package reparo
