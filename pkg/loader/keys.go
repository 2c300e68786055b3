package loader

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"math"
	"strconv"
	"strings"
)

// causalityKeys are the keys a row change touches, for causality: for each
// unique key whose values are all non-NULL, "(col: val)…" and the table,
// from the new values and, for an update, the old values too. A row without
// any usable unique key is identified by all its column values.
//
// Strings are folded to lower case without trailing spaces: a
// case-insensitive or PAD SPACE collation makes 'A' and 'a ' the same
// key downstream, and folding only ever joins keys, which is always safe.
//
// The keys are computed once per row change (the dispatcher asks for them
// several times); callers must not modify the slice.
func (rc *rowChange) causalityKeys() []string {
	if rc.keys != nil {
		return rc.keys
	}
	keys := make([]string, 0, 2*len(rc.info.uniqueKeys)+1)
	keys = appendKeys(keys, rc, rc.dml.Values)
	if rc.dml.Tp == UpdateDMLType {
		keys = appendKeys(keys, rc, rc.dml.OldValues)
	}
	rc.keys = keys
	return keys
}

func appendKeys(keys []string, rc *rowChange, values map[string]any) []string {
	n := len(keys)
	for _, k := range rc.info.uniqueKeys {
		if !allNonNull(values, k.columns) {
			continue
		}
		keys = appendUnique(keys, keyString(rc.table, k.columns, values))
	}
	if len(keys) == n {
		keys = appendUnique(keys, keyString(rc.table, writableColumns(values, rc.info, PartialColumn), values))
	}
	return keys
}

func appendUnique(keys []string, k string) []string {
	for _, e := range keys {
		if e == k {
			return keys
		}
	}
	return append(keys, k)
}

// keyString is a causality key: values folded (see causalityKeys).
func keyString(table string, cols []string, values map[string]any) string {
	return buildKey(table, cols, values, true)
}

// exactKey is a key of the exact values, for merging: two rows may only be
// merged into one when their keys are equal byte for byte, since a binary
// collation tells 'A' from 'a ' (see mergeGroups for the other collations).
func exactKey(table string, cols []string, values map[string]any) string {
	return buildKey(table, cols, values, false)
}

func buildKey(table string, cols []string, values map[string]any, fold bool) string {
	var b strings.Builder
	b.Grow(len(table) + 24*len(cols))
	for _, c := range cols {
		b.WriteByte('(')
		b.WriteString(c)
		b.WriteString(": ")
		writeKeyValue(&b, values[c], fold)
		b.WriteByte(')')
	}
	b.WriteString(table)
	return b.String()
}

// sameValues tells whether a and b hold exactly the same values (same Go
// type, same bytes) in cols.
func sameValues(cols []string, a, b map[string]any) bool {
	for _, c := range cols {
		if !sameValue(a[c], b[c]) {
			return false
		}
	}
	return true
}

func sameValue(a, b any) bool {
	switch x := a.(type) {
	case nil, int64, uint64, int, float64, float32, string:
		// Interfaces of different dynamic types compare unequal; these
		// types are comparable, so == cannot panic.
		return a == b
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	default:
		return fmt.Sprintf("%T %v", a, a) == fmt.Sprintf("%T %v", b, b)
	}
}

func writeKeyValue(b *strings.Builder, v any, fold bool) {
	if !fold {
		writeExactValue(b, v)
		return
	}
	var buf [32]byte
	switch x := v.(type) {
	case nil:
		b.WriteString("NULL")
	case int64:
		b.Write(strconv.AppendInt(buf[:0], x, 10))
	case uint64:
		b.Write(strconv.AppendUint(buf[:0], x, 10))
	case int:
		b.Write(strconv.AppendInt(buf[:0], int64(x), 10))
	case float64:
		b.Write(strconv.AppendFloat(buf[:0], x, 'g', -1, 64))
	case float32:
		b.Write(strconv.AppendFloat(buf[:0], float64(x), 'g', -1, 32))
	case string:
		b.WriteString(foldKey(x))
	case []byte:
		b.WriteString(foldKey(string(x)))
	default:
		b.WriteString(foldKey(fmt.Sprint(v)))
	}
}

// writeExactValue writes v with its type, so that 1 and "1" differ.
func writeExactValue(b *strings.Builder, v any) {
	var buf [32]byte
	switch x := v.(type) {
	case nil:
		b.WriteString("NULL")
	case int64:
		b.WriteByte('i')
		b.Write(strconv.AppendInt(buf[:0], x, 10))
	case string:
		b.WriteString("s")
		b.WriteString(strconv.Quote(x))
	case []byte:
		b.WriteString("b")
		b.WriteString(strconv.Quote(string(x)))
	default:
		fmt.Fprintf(b, "%T %v", v, v)
	}
}

func foldKey(s string) string {
	return strings.ToLower(strings.TrimRight(s, " "))
}

// keyHash spreads keys over workers as the original: crc32 (IEEE) modulo
// the worker count.
func keyHash(key string, workers int) int {
	return int(crc32.ChecksumIEEE([]byte(key)) % uint32(max(1, min(workers, math.MaxInt32))))
}
