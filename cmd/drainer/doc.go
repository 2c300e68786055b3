// Command drainer runs a TiDB Binlog drainer. See README.md for its flags.
package main
