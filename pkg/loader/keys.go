package loader

import (
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
func (rc *rowChange) causalityKeys() []string {
	keys := make([]string, 0, 2*len(rc.info.uniqueKeys)+1)
	keys = appendKeys(keys, rc, rc.dml.Values)
	if rc.dml.Tp == UpdateDMLType {
		keys = appendKeys(keys, rc, rc.dml.OldValues)
	}
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

func keyString(table string, cols []string, values map[string]any) string {
	var b strings.Builder
	b.Grow(len(table) + 24*len(cols))
	for _, c := range cols {
		b.WriteByte('(')
		b.WriteString(c)
		b.WriteString(": ")
		writeKeyValue(&b, values[c])
		b.WriteByte(')')
	}
	b.WriteString(table)
	return b.String()
}

func writeKeyValue(b *strings.Builder, v any) {
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

func foldKey(s string) string {
	return strings.ToLower(strings.TrimRight(s, " "))
}

// keyHash spreads keys over workers as the original: crc32 (IEEE) modulo
// the worker count.
func keyHash(key string, workers int) int {
	return int(crc32.ChecksumIEEE([]byte(key)) % uint32(max(1, min(workers, math.MaxInt32))))
}
