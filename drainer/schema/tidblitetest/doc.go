// Package tidblitetest runs drainer/schema against a real tidb-lite (with
// pd-lite): History finds it through the etcd topology, reads the DDL
// history it serves, and Schema applies it. It is a separate package so
// that the unit tests and fuzz targets of drainer/schema do not link the
// SQL engine of tidb-lite.
package tidblitetest
