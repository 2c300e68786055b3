// Package loader applies upstream transactions (DDLs and row changes) to a
// MySQL-compatible database and reports each one's success in input order.
//
// The drainer's MySQL/TiDB sink, reparo and arbiter all feed it Txns.
package loader
