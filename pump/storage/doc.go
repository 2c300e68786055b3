// Package storage is the pump's storage engine (type Append).
//
// # On-disk layout
//
// Under the data directory:
//
//	.lock               flock held while an Append is open (ErrLocked otherwise)
//	value/NNNNNN.vlog   value-log files, fid zero-padded to 6 digits, from 000000
//	kv/                 goleveldb index and state
//
// A value-log file is a sequence of records
// "magic u32 LE 0x823a56e8 | length u64 LE | crc32c(payload) u32 LE | payload",
// the payload being the marshaled binlog exactly as received, optionally
// followed by a footer "maxTS i64 LE | 0x123ab922 u32 LE" once the file is
// finalized (on rotation, and on Close when it holds at least 50 KiB). The
// index maps "ts:"+u64 BE(ts) to a 12-byte pointer "fid u32 LE | offset
// u64 LE"; a prewrite is keyed by its start_ts, every other binlog by its
// commit_ts. State keys: !binlog!gcts, !binlog!maxCommitTS (i64 LE),
// !binlog!handlePointer and !binlog!headPointer (pointers). FORMAT.md
// documents every byte; testdata holds golden files.
//
// # Write path
//
// WriteBinlog takes a binlog's header (type, start_ts, commit_ts, as
// binlogpb.PeekHeader reads it) and its payload, and queues a request; one
// group is written at a time, by the
// goroutine of its oldest request (the leader, writer.go), which takes the
// requests queued at that moment (up to 1 MiB; the original also stops at
// the first size + 128 KiB when the first is small, which only made the
// others wait for one more write and sync), writes them with one write and
// one fdatasync, only then acknowledges them, and hands the lead to the
// oldest request still queued. A lone writer thus writes its own binlog
// without waking another goroutine. The current
// file is allocated ahead in 64 MiB steps, so that fdatasync does not have
// to allocate blocks and grow the file, and its synced pages are dropped
// from the page cache once they are 256 MiB behind the end (prealloc.go),
// so that the cache stops growing and a lagging puller still reads from
// memory. The payloads of the latest records
// (64 MiB) stay in memory for readers: pullers read a commit and its
// prewrite moments after they were written. The group then goes to the KV
// writer through a bounded queue (Options.KVChanCap); batches of up to 128
// records are indexed in one leveldb batch, without sync, that also moves
// headPointer. When the queue stays full, the slow chaser stops the
// forwarding and re-reads the value log instead, until it catches up.
// Indexed records go to the sorter.
//
// # Sorter and watermark
//
// The sorter (sorter.go) is a pure state machine: the KV writer pushes
// indexed items, process reports through callbacks, and the engine's loop
// (sortloop.go) persists the watermark, resolves and writes synthetic
// commits. It handles records in value-log order. A prewrite waits for its
// commit or rollback; the watermark (MaxCommitTS) advances with each commit
// (or fake binlog) processed, and a commit is processed only when no
// unmatched prewrite before it could still get a smaller commit ts, so the
// watermark never passes the commit of an unmatched prewrite. The original
// makes every commit wait for every unmatched prewrite before it; but TiDB
// takes a commit_ts only once the prewrite is acknowledged, so a prewrite
// acknowledged after a commit's request was queued will commit above it.
// The writer numbers its groups so that the sorter can tell (kvItem.group,
// kvItem.seen): a commit no longer waits for the commits of the prewrites
// written in its own group, one more group write and sync, which halved the
// commit-to-pull time under load. Records read back from the value log wait
// for every unmatched prewrite, as in the original. After
// Options.ResolveAfter the oldest unmatched prewrite is given to the Resolver once
// per second: a committed transaction gets a synthetic commit binlog written
// through the normal path, a rolled back one is dropped. maxCommitTS and
// handlePointer are persisted at most once per second and on Close.
//
// # Pull
//
// PullCommitBinlog streams the commit and fake binlogs with commit_ts in
// (last, watermark], in ts order, each commit merged with its prewrite. The
// merge works on the protobuf wire format (binlogpb.MergeCommitParts):
// nothing is unmarshaled, and PullCommitBinlogFunc hands the merged binlog
// over as pieces of the stored commit and prewrite, so that the pump's
// codec sends the prewrite value without copying it (PullCommitBinlog
// joins them). A stream keeps the prewrites it read at their own keys until
// their commits come (pullstate.go), so each record is read once. A puller
// sleeps on a channel that is closed whenever the watermark moves, so new
// data is pushed at once.
//
// No binlog vanishes from a stream: every record read through the index is
// checked to be the binlog its key names (read.go). A binlog that cannot be
// read back because its bytes are damaged (a damaged record, a pointer into
// a missing file, a record that is not the key's binlog) ends the stream
// with a *DataLossError naming its commit ts, file and offset, after every
// earlier binlog was sent; a damaged prewrite is reported at its commit. A
// read error that may pass ends it with that error (the reader pulls again
// from its last binlog). Only a commit whose prewrite is absent from the
// index (rolled back, or purged by GC) is skipped, with a warning and the
// feed_pre_write_value error metric.
//
// # Lifecycle
//
// Open takes the lock, opens the value log (recovering the maxTS of
// unfinalized files and truncating a torn or preallocated tail of the last
// file), opens the index, removes the index entries that point at or past
// the end of the value log (records cut as a torn tail: new records will be
// written there; stale.go), and re-feeds the records from min(headPointer,
// handlePointer) through the index and the sorter. Damaged records in the
// middle of a file are reported as *CorruptionError (log and error_count
// metric) and skipped. GC records a GC ts and deletes, in the background,
// index keys and whole value-log files at or below gcTS - MaxTxnTimeout
// (max-txn-timeout, 600 s by default). Close
// drains the pipeline, persists the state, stops the pulls, finalizes the
// current file when large enough (else cuts its preallocated space) and
// releases the lock.
package storage
