// Package resolver decides the fate of a transaction whose prewrite binlog
// reached the pump but whose commit binlog never did (TiDB crashed between
// prewrite and commit, or the commit write was lost). It implements
// storage.Resolver.
//
// The original pump read TiKV directly. This package asks TiDB's status API
// instead (DESIGN 1): GET {status-url}/mvcc/hex/{hex(prewrite_key)} returns the
// MVCC record of the transaction's primary key as JSON (a
// kvrpcpb.MvccGetByKeyResponse marshaled by encoding/json: byte fields are
// base64, every field is omitempty so Op Put (0) is absent, writes may be
// listed newest first). For the prewrite's start_ts:
//
//   - a write with the same start_ts and type Rollback (3): rolled back;
//   - a write with the same start_ts and any other type: committed at the
//     write's commit_ts (the storage then stores a synthetic commit binlog);
//   - a rollback folded into another record (has_overlapped_rollback on a
//     write whose commit_ts equals start_ts, or start_ts in a lock's
//     rollback_ts): rolled back;
//   - a live lock (prewrite or pessimistic) with the same start_ts: unknown,
//     the storage keeps waiting;
//   - no record: unknown until MaxTxnTimeout (600 s) has passed between the
//     physical time of start_ts and the current TSO, then rolled back with a
//     warning.
//
// TiDB status URLs come from the configured list (tidb-status-urls) or, when
// it is empty, from the live TiDB topology in etcd. Each instance is tried in
// turn, the one that answered last first; when none answers, Resolve returns
// an error and the storage retries later. The resolver keeps no state besides
// that preference and runs no goroutines.
package resolver
