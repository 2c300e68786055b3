// Package binlogpb holds the Go types of the upstream binlog protocol: the
// Binlog payload TiDB writes (package binlog, proto2), the Pump service
// (WriteBinlog, PullBinlogs) and the Cistern service served by the drainer.
//
// The messages are wire-compatible with the original tipb go-binlog types;
// the gRPC method names are /binlog.Pump/* and /binlog.Cistern/*. Regenerate
// with `make proto`.
package binlogpb
