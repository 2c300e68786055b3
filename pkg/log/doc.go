// Package log builds the *zap.Logger shared by every binary from the
// log-level, log-file and log-format settings.
//
// Output goes to stderr, or to a file rotated by lumberjack at 300 MB
// (rotated files keep their local timestamp in the name, none are deleted).
//
// The "text" format imitates the TiDB ecosystem's logs, one entry a line:
//
//	[2026/11/21 22:36:30.123 +00:00] [INFO] [server.go:12] ["pump started"] [nodeID=host:8250] [addr=127.0.0.1:8250]
//
// Values are written bare when they hold no space, quote, '=', '[' or ']',
// and Go-quoted otherwise. The "json" format writes the same facts as one JSON
// object a line with the keys time, level, caller, message and the fields.
//
// Library helps quieten chatty dependencies (etcd, gRPC, the PD client) and
// GRPCLogger adapts a logger to grpclog.SetLoggerV2.
package log
