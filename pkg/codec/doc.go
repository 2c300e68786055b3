// Package codec implements TiDB's datum codec and key layout, byte for byte:
// what TiDB writes into binlog rows and TiKV keys, what the drainer decodes.
//
// Values are Datums (a Kind and a payload: integers, floats, strings with a
// collation, bytes, decimals, times, durations, enums, sets, bits, JSON).
// Supporting types reproduce TiDB's: Decimal with MySQL's binary decimal
// (WriteBin, DecimalFromBin), Time with its packed uint64, Duration,
// BinaryJSON (TiDB's binary JSON, built from values or JSON text and printed
// as TiDB prints it), Enum, Set and BinaryLiteral.
//
// Encodings (see FORMAT.md):
//
//   - EncodeValue / DecodeOne: one flag byte per datum, then its payload;
//     EncodeValue is the non-comparable form used inside rows, EncodeKey the
//     memcomparable form used in keys (strings become collation keys).
//   - EncodeOldRow / DecodeRow: a row as (column id, value) pairs after
//     Flatten (times packed, durations as nanoseconds, enum/set/bit as
//     uint64); Unflatten restores column values from the column's
//     model.FieldType. DecodeRow also reads TiDB's row format v2.
//   - Row and index keys (t{table}_r{handle}, t{table}_i{index}{values}),
//     int and common handles, and the meta keys of DDL history.
//
// A binlog inserted row is EncodeValue(handle datums) ++ EncodeOldRow(row);
// an updated row is EncodeOldRow(old) ++ EncodeOldRow(new); a deleted row is
// EncodeOldRow(row).
//
// Decoders never panic on malformed input: they return errors wrapping the
// package's sentinel errors (ErrInsufficientData, ErrCorrupted, ...). Decoded
// byte and JSON payloads alias the input buffer.
package codec
