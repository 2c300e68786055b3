// Command tidb-lite is a stand-in for tidb-server: a MySQL-protocol server
// that writes TiDB binlogs to pumps. See README.md.
package main
