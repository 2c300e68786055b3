// Package pump is the pump daemon around the storage engine (pump/storage).
//
// A pump receives binlogs from TiDB over gRPC (binlogpb.Pump/WriteBinlog),
// stores them in its data directory and streams them to drainers in
// commit-ts order (PullBinlogs). gRPC and an HTTP API share one TCP port,
// split by cmux (HTTP/2 with content-type application/grpc goes to gRPC,
// everything else to HTTP); with [security] set the port speaks TLS first.
//
// Data directory: <data-dir>/.lock (taken by the storage), <data-dir>/.node
// (the node ID, one line; it wins over -node-id), <data-dir>/value and
// <data-dir>/kv (the storage engine, see pump/storage/FORMAT.md).
//
// Lifecycle (SPEC 4.5):
//   - NewServer: cluster ID from PD, etcd registry, storage opened, node ID
//     resolved, previous state read from /tidb-binlog/v1/pumps/<nodeID>
//     (none means offline).
//   - Start: listen and serve, start the background loops (fake binlogs
//     when idle, GC every hour or on POST /debug/gc/trigger, drainer
//     checkpoint check every 10 min, info log, metrics push), register
//     online; when the previous state was offline, notify every online
//     drainer (Cistern.Notify) and, if that fails, record offline and fail;
//     then heartbeat every heartbeat-interval with MaxCommitTS and UpdateTS.
//   - Close (signal, or PUT /state/{nodeID}/{pause|close}): stop the loops;
//     online or pausing becomes paused; closing waits until every binlog is
//     matched and every non-offline drainer has consumed this pump's max
//     commit ts (writing fake binlogs meanwhile), then becomes offline; stop
//     the pull streams, gRPC (10 s at most) and HTTP; close storage, etcd, PD.
//
// Code layout: Server (server.go, start.go) owns the listeners, gRPC and
// HTTP handlers and background loops; the node lifecycle (registry record,
// heartbeat, final state, safe offline, drainer notification) is the
// lifecycle type (lifecycle.go) with its own small dependencies; retry and
// every (retry.go) are the one retry helper and the one ticker loop.
//
// A pull stream ends with codes.DataLoss when a binlog cannot be read back
// because its bytes are damaged (the message names its commit ts, file and
// offset), and with codes.Unavailable on a read error that may pass.
// Repeated write failures (a full disk) are logged once per change, with a
// reminder per minute (pump/internal/ratelog).
//
// Deliberate differences (DESIGN 2): fake-binlog intervals below a second
// are accepted ("0.2", "200ms"); a non-offline drainer whose checkpoint is
// below the GC point is logged as an error, counted in
// binlog_pump_detected_drainer_binlog_purge_count{id} (registered here) and
// listed in /status under DrainersBehindGC.
package pump
