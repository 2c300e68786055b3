// Package pdlitetest starts pd-lite servers for tests: an in-process PD
// stand-in (etcd plus the TSO service) on a loopback port with its data in
// t.TempDir(), closed by t.Cleanup.
package pdlitetest
