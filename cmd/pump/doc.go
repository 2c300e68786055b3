// Command pump runs a TiDB Binlog pump. See README.md for its flags.
package main
