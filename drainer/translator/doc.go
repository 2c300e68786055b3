// Package translator turns the binlogs TiDB writes (binlogpb.Binlog with its
// PrewriteValue) into what the drainer's sinks write: a loader.Txn for the
// MySQL/TiDB sink (TiBinlogToTxn), a pb_binlog record for the file sink
// (TiBinlogToPbBinlog, proto/filepb) and a secondary binlog for the Kafka
// sink (TiBinlogToSecondaryBinlog, proto/secondarypb).
//
// There is one row decoder (DecodePrewrite, DecodeMutation); the three
// encoders only choose columns and map values. Table infos come from a
// TableInfoGetter (drainer/schema implements it).
//
// # Decoding rules (SPEC 2.4, 2.5)
//
// The rows of a TableMutation are taken in the order of its sequence: the
// i-th entry names the list (inserted, updated, deleted rows) the next row
// comes from. A sequence that does not name every row exactly once, or names
// an obsolete kind (DeleteID, DeletePK), is an error (ErrBadMutation).
//
// Values are read with pkg/codec and unflattened for their column: FLOAT
// narrows to float32; DATE, DATETIME and TIMESTAMP unpack their packed
// uint64, a non-zero TIMESTAMP converted from UTC to the loc argument; TIME
// takes the column's fsp; ENUM and SET map their index or bitmask to names;
// BIT becomes (flen+7)/8 bytes; strings get the column's collation; DECIMAL
// keeps the column's precision and frac; JSON stays TiDB binary JSON. Values
// of column ids the table does not have (dropped columns, _tidb_rowid) are
// skipped.
//
//   - Insert: the row starts with the handle: one datum, or one per primary
//     key column of a clustered table. The rest is the (column id, value)
//     row, old format or format v2. An integer pk that is the handle is set
//     from it (as uint64 when UNSIGNED; the handle is always an int64).
//     Clustered pk columns the row lacks are set from the handle, except
//     prefix columns (the handle holds only collation sort keys). Every other
//     missing column gets its default (below). An insert holds every column.
//   - Update: the row is old row ++ new row. Walking the pairs, the first
//     time a writable column (public, not generated) appears its value is
//     old, the second time new; decoding stops once 2 x (writable columns)
//     values are read. Old and new must hold the same columns. When they hold
//     fewer than the writable columns the row was written before an ADD
//     COLUMN or during a DROP COLUMN: the missing columns get their defaults
//     (in both rows) if CanAppendDefaultValue holds for the DML's schema
//     version, otherwise the row is corrupted (ErrCorruptedRow).
//   - Delete: the row's columns only, nothing filled.
//
// The default of a missing column is looked up in the table info at the
// DML's schema version when the column existed then, else in the current
// info: the original default (a TIMESTAMP default converted from UTC to loc,
// enum and set defaults parsed by name), else NULL for a nullable column,
// else the first element of a NOT NULL enum, else the type's zero value.
//
// Decoding never panics on malformed rows: errors are *RowError values that
// name the table id and name, the row kind and position and, when the fault
// is in one column, the column id and name; they wrap the codec's sentinel
// errors or ErrCorruptedRow.
//
// # Encoders
//
//   - TiBinlogToTxn: inserts carry every writable column; updates the
//     writable columns of the row (Values new, OldValues old); deletes every
//     column the row holds. Values follow the original formatData: DATE,
//     DATETIME, TIMESTAMP, TIME, DECIMAL and JSON as strings; ENUM, SET and
//     BIT as uint64; FLOAT float32; YEAR int64; text and BLOB as Go strings;
//     NULL nil. A DDL gives Txn.DDL with TiDB's query unchanged.
//   - TiBinlogToPbBinlog: one Event per row; inserts list every column,
//     updates the writable columns (value old, changed_value new), deletes
//     the columns the row holds; each value is codec.EncodeValue of the
//     formatData value (NULL is the byte 00). A DDL query is recorded as
//     "use `schema`; <ddl>;" or "<ddl>;" for CREATE DATABASE.
//   - TiBinlogToSecondaryBinlog: one Table per mutation with every column's
//     info and the unique keys (PRIMARY first for a pk-handle table); every
//     row lists every column, missing ones filled with defaults. For an
//     update row is new and change_row old. The original's update translator
//     dropped those defaults (SPEC 12.14); this one does not. Values map as
//     the original DatumToColumn does: MEDIUMINT, like any type it did not
//     list, is written as text.
//
// # Wire bytes
//
// The original marshaled these messages with gogoproto, which always writes
// non-nullable scalar fields. Our generated types are proto2 with explicit
// presence, so the encoders set every such field (Binlog tp and commit_ts,
// Event tp, column name and mysql_type, ColumnInfo fields, ...) explicitly,
// and the marshaled bytes equal the original's (tested against the golden
// outputs of the original drainer).
package translator
