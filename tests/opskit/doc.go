// Package opskit checks the operations kit without starting any daemon: the
// systemd units next to the daemons (cmd/*/*.service, also through
// systemd-analyze verify when it is installed), the Grafana dashboard and the
// Prometheus alert rules in docs/monitoring (also through promtool when it is
// installed), and docs/operations.md, which every alert's runbook points at.
//
// Its exported helpers read the dashboard and the rules and list the metric
// names they use; the integration tier (tests/ops_test.go) checks those
// names against the /metrics of a running pump and drainer.
package opskit
