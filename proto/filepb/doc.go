// Package filepb holds the record payload of the drainer's file sink (proto
// package pb_binlog), which reparo reads back.
package filepb
