// Package testcluster starts the suite's real binaries (pd-lite, pump,
// tidb-lite, ...) as processes on loopback ports for integration tests and
// load tools, and stops, kills (-9) and restarts them.
package testcluster
