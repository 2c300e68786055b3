// Package registry stores and watches the status of pump and drainer nodes in
// PD's embedded etcd, and reads the TiDB topology written by TiDB servers.
//
// Layout (SPEC 3):
//
//	/tidb-binlog/v1/pumps/<nodeID>     JSON Status of a pump
//	/tidb-binlog/v1/drainers/<nodeID>  JSON Status of a drainer
//	/tidb-binlog/pumps/<nodeID>        legacy form, understood by ParseNodeKey
//
// Node keys carry no lease: a dead node keeps its last state until it is
// changed (binlogctl, TiDB CHANGE PUMP ...) or deleted. CreateNode and
// UpdateExistingNode are etcd transactions guarded on the key's ModRevision,
// so two processes cannot both create the same node, and an update never
// resurrects a deleted node.
//
// TiDB servers register themselves under
//
//	/topology/tidb/<ip:port>/info  JSON with version, git_hash, status_port, deploy_path, start_timestamp
//	/topology/tidb/<ip:port>/ttl   refreshed under a lease; present only while the server is alive
//
// TiDBInstances lists the servers whose ttl key exists; RegisterTiDB writes
// both keys for the tidb-lite stand-in and keeps the ttl key alive.
//
// Watch delivers node changes from a revision on, re-watching from the latest
// revision after errors or compaction, until its context ends.
package registry
