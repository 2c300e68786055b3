// Command pd-lite is a stand-in for PD: one process serving the etcd v3 API
// and PD's TSO/membership gRPC service on the same URL. See README.md.
package main
