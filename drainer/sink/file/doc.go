// Package file is the drainer's `file` (alias `pb`) sink: every item is
// translated to a pb_binlog Binlog (translator.TiBinlogToPbBinlog, TIMESTAMP
// values in the drainer host's zone), marshaled and appended to the
// binlog files of pkg/binlogfile, which reparo restores from.
//
// Items are written in the order Sync receives them by one writer
// goroutine, which fsyncs once per group of writes and only then reports
// the group on Successes, so the drainer's checkpoint never passes an item
// that a crash could lose. Fake binlogs (start_ts == commit_ts) and DDLs
// marked ShouldSkip are reported without being written. Files older than
// the retention time are removed at start and then hourly, always keeping
// the newest.
package file
