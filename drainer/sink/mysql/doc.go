// Package mysql is the drainer's MySQL and TiDB sink (SPEC 5.7): each item
// becomes a loader transaction through translator.TiBinlogToTxn and is
// applied by pkg/loader; the item rides along as the transaction's
// Metadata and comes back on Successes in input order. A `tidb`
// destination reports the downstream TSO read after a batch as AppliedTS.
//
// A DDL the downstream rejects ends the sink with an error that names the
// commit ts, the statement and the `ignore-txn-commit-ts` way out.
package mysql
