package loader

import "sort"

// mergeRows merges the row changes of a batch per primary key, as the
// original's merge mode: each key of a table with a primary key ends as
// one DELETE (of the last deleted row) or one REPLACE (of the last row
// written), an update that changes the key becoming a DELETE of the old
// key and a REPLACE of the new one. Deletes come first, then replaces,
// each grouped by table, so that the workers fold them into bulk
// statements. Rows of tables without a primary key (or whose key is NULL
// or missing in some row) are kept, in order, before them.
//
// The result is equivalent to the batch applied in order: every row the
// batch touched ends in its final state, and a REPLACE can only remove a
// row that conflicts on a unique key, which the upstream's final state
// says is deleted or rewritten in the same batch.
func mergeRows(rows []*rowChange) []*rowChange {
	var out []*rowChange
	for _, g := range mergeGroups(rows) {
		out = append(out, g...)
	}
	return out
}

// mergeGroups is mergeRows split into groups that are applied as one bulk
// statement each: every kept row alone, then the deletes of each table,
// then the replaces of each table.
func mergeGroups(rows []*rowChange) [][]*rowChange {
	unmergeable := map[string]bool{}
	for _, rc := range rows {
		if !mergeable(rc) {
			unmergeable[rc.table] = true
		}
	}
	var kept []*rowChange
	type state struct{ rc *rowChange }
	order := map[string][]string{} // table -> keys in first-seen order
	var tables []string
	states := map[string]*state{}
	set := func(rc *rowChange, values map[string]any, del bool) {
		k := keyString(rc.table, rc.info.uniqueKeys[0].columns, values)
		st, ok := states[k]
		if !ok {
			st = &state{}
			states[k] = st
			if _, seen := order[rc.table]; !seen {
				tables = append(tables, rc.table)
			}
			order[rc.table] = append(order[rc.table], k)
		}
		tp := InsertDMLType
		if del {
			tp = DeleteDMLType
		}
		d := &DML{Database: rc.dml.Database, Table: rc.dml.Table, Tp: tp, Values: values}
		st.rc = newRowChange(rc.txn, d, rc.info, rc.mode)
		st.rc.replace = !del
	}
	for _, rc := range rows {
		if unmergeable[rc.table] {
			kept = append(kept, rc)
			continue
		}
		switch rc.dml.Tp {
		case InsertDMLType:
			set(rc, rc.dml.Values, false)
		case DeleteDMLType:
			set(rc, rc.dml.Values, true)
		case UpdateDMLType:
			pk := rc.info.uniqueKeys[0].columns
			if keyString("", pk, rc.dml.OldValues) != keyString("", pk, rc.dml.Values) {
				set(rc, rc.dml.OldValues, true)
			}
			set(rc, rc.dml.Values, false)
		}
	}
	out := make([][]*rowChange, 0, len(kept)+2*len(tables))
	for _, rc := range kept {
		out = append(out, []*rowChange{rc})
	}
	for _, del := range []bool{true, false} {
		for _, t := range tables {
			var g []*rowChange
			for _, k := range order[t] {
				if st := states[k]; (st.rc.dml.Tp == DeleteDMLType) == del {
					g = append(g, st.rc)
				}
			}
			if len(g) > 0 {
				sortByIntKey(g)
				out = append(out, g)
			}
		}
	}
	return out
}

// mergeable tells whether a row change can be merged by primary key.
func mergeable(rc *rowChange) bool {
	if !rc.info.hasPK {
		return false
	}
	pk := rc.info.uniqueKeys[0].columns
	if !allNonNull(rc.dml.Values, pk) {
		return false
	}
	return rc.dml.Tp != UpdateDMLType || allNonNull(rc.dml.OldValues, pk)
}

// sortByIntKey orders a bulk group by its integer primary key (a single
// column), so that the server walks the index in order. The rows of a
// group have distinct keys and their final values, so any order gives
// the same result.
func sortByIntKey(g []*rowChange) {
	pk := g[0].info.uniqueKeys[0].columns
	if len(pk) != 1 {
		return
	}
	keys := make([]int64, len(g))
	for i, rc := range g {
		v, ok := rc.dml.Values[pk[0]].(int64)
		if !ok {
			return
		}
		keys[i] = v
	}
	sort.Sort(byKey{g, keys})
}

type byKey struct {
	rows []*rowChange
	keys []int64
}

func (b byKey) Len() int           { return len(b.rows) }
func (b byKey) Less(i, j int) bool { return b.keys[i] < b.keys[j] }
func (b byKey) Swap(i, j int) {
	b.rows[i], b.rows[j] = b.rows[j], b.rows[i]
	b.keys[i], b.keys[j] = b.keys[j], b.keys[i]
}
