package tidblite

import (
	"reflect"
	"unsafe"

	"github.com/dolthub/go-mysql-server/sql"
)

// Index storage of the in-memory engine (go-mysql-server v0.20) and why
// tidb-lite copies it.
//
// A memory table keeps each secondary index as a slice of index rows: the
// indexed values followed by the row's location (partition, position) in
// the table's storage. When the engine copies a table (a session's first
// use of it in a transaction, StatementBegin's undo copy, the copy a commit
// applies to) it copies the slices but not the index rows in them, and
// when it deletes a row (also the delete half of every UPDATE) or sorts
// the rows of a table with a primary key, it rewrites the locations of the
// other rows inside those shared index rows. The engine assumes a single
// writer; tidb-lite gives every session its own copy (occ.go), so one
// session's UPDATE or DELETE moved the locations seen by the committed
// table and by every other copy. Lookups through an index then read the
// wrong row or none (SELECT ... WHERE uk = 2 found nothing after an UPDATE
// of uk = 1), and the next delete at the moved location also removed the
// other row's entry. ownIndexRows gives an editor's table data index rows
// of its own before it changes anything.

// ownEditorIndexRows copies the index rows of the table data an engine
// table editor changes; called after its StatementBegin (which took the
// undo copy, sharing the rows) and before its first change. It reports
// false when the editor is not the engine's (e.g. FULLTEXT's wrapper).
func ownEditorIndexRows(ed sql.TableEditor) bool {
	v := reflect.ValueOf(ed)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return false
	}
	ea := exposedField(v.Elem(), "ea") // the editor's edit accumulator
	if !ea.IsValid() || ea.Kind() != reflect.Interface || ea.IsNil() {
		return false
	}
	acc := ea.Elem()
	if acc.Kind() != reflect.Pointer || acc.IsNil() || acc.Elem().Kind() != reflect.Struct {
		return false
	}
	return ownTableDataIndexRows(exposedField(acc.Elem(), "tableData"))
}

// ownTableDataIndexRows replaces every index row of a *memory.TableData by
// a copy. The slices and the map are the data's own already.
func ownTableDataIndexRows(td reflect.Value) bool {
	if !td.IsValid() || td.Kind() != reflect.Pointer || td.IsNil() || td.Elem().Kind() != reflect.Struct {
		return false
	}
	st := exposedField(td.Elem(), "secondaryIndexStorage")
	if !st.IsValid() || st.Kind() != reflect.Map || st.Type().Elem() != reflect.TypeFor[[]sql.Row]() {
		return false
	}
	if st.IsNil() {
		return true
	}
	for _, k := range st.MapKeys() {
		rows := st.MapIndex(k).Interface().([]sql.Row)
		own := make([]sql.Row, len(rows))
		for i, r := range rows {
			own[i] = r.Copy()
		}
		st.SetMapIndex(k, reflect.ValueOf(own))
	}
	return true
}

// exposedField returns a struct field, unexported or not, as a value that
// can be read and set (invalid when the struct has no such field).
// s must be addressable.
func exposedField(s reflect.Value, name string) reflect.Value {
	f := s.FieldByName(name)
	if !f.IsValid() || !f.CanAddr() {
		return reflect.Value{}
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
}
