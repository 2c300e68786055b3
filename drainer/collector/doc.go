// Package collector discovers the pumps of a cluster, pulls the binlog stream
// of each one over gRPC, and merges the streams into one sequence of binlogs
// with strictly increasing commit ts (SPEC 5.3, 5.4).
//
// Discovery. The pump list (/tidb-binlog/v1/pumps) is read every
// DetectInterval and on Notify. An unknown pump that is not offline becomes a
// source of the merge, pulled from the merge's latest ts; a known pump that
// turns paused stops being pulled, online resumes, pausing and closing change
// nothing, offline removes it from the merge.
//
// Pulling. Each pump has one PullBinlogs stream asking for the binlogs after
// the last commit ts received. A broken stream is re-opened from where it
// stopped, after a wait growing from RetryInterval/8 to RetryInterval. A
// stream ended with codes.DataLoss at commit ts X (the pump could not read
// that binlog back) stops the collector with a *DataLossError, unless X is
// listed in IgnoreTxnCommitTS: then the pull resumes after X and the skip is
// logged and counted. The ts is taken from an ErrorInfo detail with the
// metadata key "commitTS", else from the words "commit ts <X>" of the status
// message. A payload that is not a Binlog stops the collector with an
// *UnmarshalError naming the pump and the offset. Before Output closes on
// either error, the merge emits every binlog already received that it can
// order: all of them precede the bad one, and the failing pump's source,
// left empty in the merge, keeps anything later from being emitted.
//
// Merging. A binlog is emitted only once every source has a binlog waiting,
// the smallest commit ts first; a binlog at or below the last emitted ts is a
// duplicate or out of order and is dropped and counted. So a pump that is
// neither sending (its own or fake binlogs) nor offline stalls the merge, as
// it must: its next binlog could be the smallest. There is no polling: the
// merge wakes as soon as a source receives a binlog. Each source buffers at
// most BufferBytes of binlogs (one binlog of any size passes alone).
//
// Memory. With Deps.Budget, a received binlog's bytes are acquired from the
// drainer's budget before it is queued (see package membudget for the rules
// that keep the merge deadlock-free), marked as dequeued when the merge takes
// it and released when it is dropped; whoever takes Output releases the rest.
// The pull streams use their own codec: the frames of a message are copied
// once into one slice, each let go as soon as copied, and the entity's payload
// and the binlog's prewrite value alias that slice instead of being copied.
package collector
