// Package relay is the drainer's relay log (SPEC 5.8): every binlog sent to
// a MySQL or TiDB destination is first appended to a local directory, so
// that a downstream left between two checkpoints can be brought to a
// consistent state when the upstream cluster is gone.
//
// The files are pkg/binlogfile files (binlog-<index>-<datetime>, frames of
// magic, length, payload, crc32c) whose payloads are marshaled secondary
// binlogs (proto/secondarypb), in commit-ts order.
//
// Writing: a Relayer appends each binlog (WriteBinlog) and returns its
// position; once the destination has applied everything up to a position,
// GCBinlog removes the files before it.
//
// Recovery: Replay reads every file in order and hands the binlogs with a
// commit ts above the checkpoint to the caller, skipping repeats (a restarted
// drainer writes again what it had written after its last checkpoint). A
// damaged frame, or a torn tail anywhere but at the end of the newest file,
// is an error: the downstream cannot be made consistent without it.
// Recover is the whole startup step for a drainer whose upstream is gone:
// unless the checkpoint is consistent, it applies those binlogs (converted
// by loader.SecondaryBinlogToTxn) through a loader in safe mode, waits until they are applied,
// and saves the checkpoint as consistent at the last one.
package relay
