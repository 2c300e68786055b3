// Package testcluster starts the suite's real binaries (pd-lite, pump,
// tidb-lite, ...) as processes on loopback ports for integration tests and
// load tools, and stops, kills (-9) and restarts them. It also starts a
// private MariaDB server (MariaDB), and encodes row binlogs as tidb-lite
// writes them (RowTable) to write them through pkg/pumpclient
// (BinlogWriter).
package testcluster
