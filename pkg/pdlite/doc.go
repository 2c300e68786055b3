// Package pdlite is a stand-in for PD: an embedded etcd (v3.5) whose gRPC
// server also carries the pdpb.PD service, so that one URL serves both the
// etcd v3 API and what github.com/tikv/pd/client needs (GetMembers,
// GetClusterInfo, Tso). Every other PD RPC returns codes.Unimplemented.
//
// Lifecycle: Start creates the data dir, takes an exclusive flock on
// <data-dir>/pd-lite.lock (a second pd-lite on the same dir fails with
// ErrDataDirLocked), starts etcd, waits until it has elected itself, reads or
// creates the cluster ID, and initialises the TSO above the persisted bound.
// Until then the PD RPCs answer codes.Unavailable. Close stops the TSO loop,
// cancels every open stream, stops etcd and releases the lock.
//
// TSO: timestamps are physical_ms<<18 | logical. The allocator persists a
// bound 3 s ahead of the physical time it serves and never serves at or above
// the bound; a loop every 50 ms follows the wall clock and extends the bound
// when the time comes within 1 s of it. After a restart, even after kill -9,
// serving starts at the persisted bound, so timestamps never go back. When
// the 18-bit logical counter would overflow, the physical part moves to the
// next millisecond. A Tso response carries the largest logical value of the
// requested range, as PD does.
//
// TLS: with Config.Security set (ssl-ca, ssl-cert, ssl-key) every client URL
// must be https and serves etcd and the PD service over TLS; clients must
// present a certificate signed by ssl-ca and, when cert-allowed-cn is set,
// with one of those common names. Peer URLs stay plain (one member).
//
// On-disk format: etcd's data dir (member/) plus the lock file; the keys
// pd-lite writes are described in FORMAT.md.
package pdlite
