// Command binlogctl administers a TiDB Binlog cluster: it lists pumps and
// drainers, changes their state, writes a savepoint and encrypts passwords.
// The logic lives in package binlogctl; see README.md for the flags.
package main
