// Package pumpclient is the library TiDB embeds to write binlogs to pumps
// (the original lived in tidb-tools, then TiDB, as pump_client).
//
// # Lifecycle
//
// NewPumpsClient reads the cluster ID from PD, opens PD's etcd, lists the
// pumps under /tidb-binlog/v1/pumps (ErrNoPumpFound when there are none) and
// records the revision of that read. Pumps whose state is online are
// available; the others are unavailable. Three goroutines then run until
// Close:
//   - watch: follows the registry from the list revision. A new key adds a
//     pump; a state change to online makes it available (error count reset),
//     any other state unavailable; a new address drops its connection; a
//     deleted key removes it.
//   - detect: every detect interval (30 s) sends an empty WriteBinlogReq (the
//     pump answers it as a no-op probe) to each unavailable online pump, and
//     makes those that answer available again.
//   - cleanup: expires the start_ts → pump entries of prewrites whose commit
//     binlog never came, after the commit timeout (10 min), so memory stays
//     bounded by the transaction rate times that timeout.
//
// NewLocalPumpsClient talks to one pump over a unix socket (no etcd, no
// watch).
//
// # Writing
//
// A prewrite binlog goes to the pump the strategy selects: range
// (round-robin, restarting at the first pump when the set changes), hash
// (fnv32a of the decimal start_ts plus the retry number, over the pumps
// sorted by node id so every client agrees; the original's order was
// random), score (the highest registry score, round-robin among equals; the
// original was a stub, and pumps publish 0, so it behaves like range) or
// local unix. Unknown names fall back to range. A failed attempt is retried,
// 100 ms later, on the next selection, until the write timeout has passed
// and more attempts were made than there were available pumps; an attempt's
// RPC timeout is what is left of the write timeout, at least a quarter of
// it. ResourceExhausted (a message too large for the pump) fails at once
// with ErrBinlogTooLarge; Unavailable drops the connection. Then every
// online pump, available or not, is tried once on a fresh connection, and
// the error is "write binlog failed, the last error ...".
//
// A commit or rollback binlog goes only to the pump that acknowledged its
// prewrite, retried every second for up to the commit timeout. WriteBinlog
// never returns an error for it: the pump resolves a transaction whose
// commit binlog is missing by itself.
//
// A pump that failed more than 10 times in a row is unavailable until the
// detect loop, a write to every online pump, or a registry change to online
// brings it back. Connections are created lazily with grpc.NewClient (TLS
// from security.Config, bounded dial and reconnect backoff).
//
// # Metrics
//
// The original client had none. Ours, built on the Registerer given with
// WithRegisterer: binlog_pump_client_write_binlog_total,
// binlog_pump_client_write_binlog_failure_total and
// binlog_pump_client_write_binlog_duration_seconds {nodeID, type},
// binlog_pump_client_available_pumps, binlog_pump_client_pending_commit_binlogs,
// binlog_pump_client_dropped_commit_binlog_total {reason} and
// binlog_pump_client_write_prewrite_error_total.
package pumpclient
