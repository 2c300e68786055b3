// Package drainer is the drainer daemon: it merges the binlogs of every pump
// by commit_ts (drainer/collector), resolves them against the schema built
// from TiDB's DDL history (drainer/schema), filters them, and replicates
// them to one sink (MySQL/TiDB, binlog files or Kafka), saving a checkpoint
// as the sink confirms (SPEC 5).
//
// The package holds the composition root: Config (SPEC 5.1, strict TOML,
// flags, BINLOG_SERVER_ environment), Server (PD, etcd registration and
// heartbeat, Cistern gRPC and the HTTP API on one port, SPEC 5.2 and 5.9)
// and Syncer (the loop between the merged stream and the sink, SPEC 5.5
// and 5.6).
package drainer
