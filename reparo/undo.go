package reparo

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// ErrUndoDDL is returned when the range to undo holds a DDL, which has no
// before-image to revert to.
var ErrUndoDDL = errors.New("reparo: cannot undo a DDL")

// undoRow is one inverted row change with its column types.
type undoRow struct {
	dml   *loader.DML
	types map[string]byte
}

// undoTxn is the inversion of one binlog.
type undoTxn struct {
	ts   int64
	rows []undoRow
}

// InvertBinlog returns the row changes that revert a DML binlog, newest
// first: an insert becomes a delete of the inserted row, a delete an
// insert of the deleted row, an update the update back.
func InvertBinlog(b *filepb.Binlog) ([]*loader.DML, error) {
	u, err := invert(b)
	if err != nil {
		return nil, err
	}
	out := make([]*loader.DML, len(u.rows))
	for i, r := range u.rows {
		out[i] = r.dml
	}
	return out, nil
}

func invert(b *filepb.Binlog) (undoTxn, error) { return newTranslator().invert(b) }

func (tr *translator) invert(b *filepb.Binlog) (undoTxn, error) {
	if b.GetTp() == filepb.BinlogType_DDL {
		return undoTxn{}, fmt.Errorf("%w at commit ts %d: %s (exclude it with the replicate-* filters or the time range)",
			ErrUndoDDL, b.GetCommitTs(), b.GetDdlQuery())
	}
	evs := b.GetDmlData().GetEvents()
	u := undoTxn{ts: b.GetCommitTs(), rows: make([]undoRow, 0, len(evs))}
	for i := len(evs) - 1; i >= 0; i-- {
		dml, err := tr.eventToDML(evs[i])
		if err != nil {
			return undoTxn{}, fmt.Errorf("binlog at commit ts %d: %w", b.GetCommitTs(), err)
		}
		cols, err := DecodeEvent(evs[i])
		if err != nil {
			return undoTxn{}, err
		}
		types := make(map[string]byte, len(cols))
		for _, c := range cols {
			types[c.Name] = c.Tp
		}
		switch dml.Tp {
		case loader.InsertDMLType:
			dml.Tp = loader.DeleteDMLType
		case loader.DeleteDMLType:
			dml.Tp = loader.InsertDMLType
		case loader.UpdateDMLType:
			dml.Values, dml.OldValues = dml.OldValues, dml.Values
		}
		u.rows = append(u.rows, undoRow{dml: dml, types: types})
	}
	return u, nil
}

// undoDest collects the inversions of the range and, at Finish, writes
// them newest first as SQL to out, or applies them through apply.
type undoDest struct {
	tr    *translator
	txns  []undoTxn
	out   io.Writer
	apply *loaderDest // nil: write SQL
}

var _ destination = (*undoDest)(nil)

func (u *undoDest) Sync(_ context.Context, b *filepb.Binlog) error {
	t, err := u.tr.invert(b)
	if err != nil {
		return err
	}
	u.txns = append(u.txns, t)
	return nil
}

func (u *undoDest) Finish(ctx context.Context) error {
	if u.apply != nil {
		for _, t := range slices.Backward(u.txns) {
			txn := &loader.Txn{CommitTS: t.ts, Metadata: txnMeta{ts: t.ts, rows: len(t.rows)}}
			for _, r := range t.rows {
				txn.DMLs = append(txn.DMLs, r.dml)
			}
			if err := u.apply.send(ctx, txn); err != nil {
				return err
			}
		}
		return u.apply.Finish(ctx)
	}
	w := bufio.NewWriter(u.out)
	// TIMESTAMP values are in UTC.
	w.WriteString("SET time_zone = '+00:00';\n")
	for _, t := range slices.Backward(u.txns) {
		fmt.Fprintf(w, "-- undo of commit ts %d (%s)\nBEGIN;\n", t.ts, TSOToTime(t.ts).Format(timeFormat))
		for _, r := range t.rows {
			w.WriteString(UndoSQL(r.dml, r.types))
			w.WriteString(";\n")
		}
		w.WriteString("COMMIT;\n")
	}
	return w.Flush()
}

func (u *undoDest) Close() error {
	if u.apply != nil {
		return u.apply.Close()
	}
	return nil
}

// UndoSQL renders a row change as one SQL statement with literal values.
// Without the table's keys, a WHERE clause matches every column except
// FLOAT, DOUBLE and JSON ones (whose text form may not compare equal), or
// every column when nothing else is left; NULL matches with IS NULL.
func UndoSQL(d *loader.DML, types map[string]byte) string {
	var b strings.Builder
	table := quoteIdent(d.Database) + "." + quoteIdent(d.Table)
	switch d.Tp {
	case loader.InsertDMLType:
		cols := sortedKeys(d.Values)
		b.WriteString("INSERT INTO " + table + " (")
		for i, c := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quoteIdent(c))
		}
		b.WriteString(") VALUES (")
		for i, c := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(SQLLiteral(d.Values[c]))
		}
		b.WriteString(")")
	case loader.DeleteDMLType:
		b.WriteString("DELETE FROM " + table + " WHERE ")
		writeWhere(&b, d.Values, types)
		b.WriteString(" LIMIT 1")
	case loader.UpdateDMLType:
		b.WriteString("UPDATE " + table + " SET ")
		for i, c := range sortedKeys(d.Values) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quoteIdent(c) + " = " + SQLLiteral(d.Values[c]))
		}
		b.WriteString(" WHERE ")
		writeWhere(&b, d.OldValues, types)
		b.WriteString(" LIMIT 1")
	}
	return b.String()
}

func writeWhere(b *strings.Builder, values map[string]any, types map[string]byte) {
	cols := sortedKeys(values)
	exact := slices.DeleteFunc(slices.Clone(cols), func(c string) bool {
		tp := types[c]
		return tp == model.TypeFloat || tp == model.TypeDouble || tp == model.TypeJSON
	})
	if len(exact) > 0 {
		cols = exact
	}
	for i, c := range cols {
		if i > 0 {
			b.WriteString(" AND ")
		}
		if values[c] == nil {
			b.WriteString(quoteIdent(c) + " IS NULL")
			continue
		}
		b.WriteString(quoteIdent(c) + " = " + SQLLiteral(values[c]))
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// SQLLiteral renders a value of a loader DML as a MySQL literal.
func SQLLiteral(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(x, 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		if len(x) == 0 {
			return "''"
		}
		return "X'" + hex.EncodeToString(x) + "'"
	case string:
		return quoteString(x)
	}
	return quoteString(fmt.Sprint(v))
}

// quoteString writes a single-quoted MySQL string literal.
func quoteString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'':
			b.WriteString(`\'`)
		case '\\':
			b.WriteString(`\\`)
		case 0:
			b.WriteString(`\0`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case 0x1a:
			b.WriteString(`\Z`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
