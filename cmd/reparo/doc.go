// Command reparo restores the drainer's binlog files (db-type "file") into
// MySQL, prints them, or reverts a time range of them. The logic lives in
// package reparo; see README.md for the flags.
package main
