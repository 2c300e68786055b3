// Package sink defines the drainer's destinations: the Item that flows to
// them and the Sink interface that the mysql/tidb, file and kafka sinks
// (subpackages) implement. The drainer picks one by `db-type`.
package sink
