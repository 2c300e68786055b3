// Package tests holds the integration tier: tests that drive the built
// binaries in bin/ (pd-lite, pump, tidb-lite, ...) as real processes over
// loopback, including kill -9 crash tests. They carry the build tag
// `integration`; run them with `make integration_test` (part of `make test`).
package tests
