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
//
// Rows merge by their exact primary key values. Under a case-insensitive
// or PAD SPACE collation two different values ('A', 'a ') may be one row
// downstream, and under a binary collation they are two: a table whose
// batch has two such keys is not merged at all (its rows are kept in
// order), so that neither collation can be wrong.
func mergeGroups(rows []*rowChange) [][]*rowChange {
	unmergeable := unmergeableTables(rows)
	var kept []*rowChange
	order := map[string][]string{} // table -> keys in first-seen order
	var tables []string
	states := map[string]*rowChange{}
	set := func(k string, rc *rowChange) {
		if _, ok := states[k]; !ok {
			if _, seen := order[rc.table]; !seen {
				tables = append(tables, rc.table)
			}
			order[rc.table] = append(order[rc.table], k)
		}
		states[k] = rc
	}
	for _, rc := range rows {
		if unmergeable[rc.table] {
			kept = append(kept, rc)
			continue
		}
		pk := rc.info.uniqueKeys[0].columns
		switch rc.dml.Tp {
		case InsertDMLType:
			set(exactKey(rc.table, pk, rc.dml.Values), asReplace(rc))
		case DeleteDMLType:
			set(exactKey(rc.table, pk, rc.dml.Values), rc)
		case UpdateDMLType:
			if !sameValues(pk, rc.dml.OldValues, rc.dml.Values) {
				d := &DML{Database: rc.dml.Database, Table: rc.dml.Table, Tp: DeleteDMLType, Values: rc.dml.OldValues}
				set(exactKey(rc.table, pk, rc.dml.OldValues), newRowChange(rc.txn, d, rc.info, rc.mode))
			}
			set(exactKey(rc.table, pk, rc.dml.Values), asReplace(rc))
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
				if st := states[k]; (st.dml.Tp == DeleteDMLType) == del {
					g = append(g, st)
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

// asReplace is the REPLACE that writes the new row of an insert or update:
// the same columns, no WHERE key.
func asReplace(rc *rowChange) *rowChange {
	c := *rc
	c.replace, c.keys = true, nil
	if rc.dml.Tp != InsertDMLType {
		c.dml = &DML{Database: rc.dml.Database, Table: rc.dml.Table, Tp: InsertDMLType, Values: rc.dml.Values}
		c.whereCols, c.keyed = nil, false
	}
	return &c
}

// unmergeableTables are the tables of rows that cannot be merged by
// primary key: a row without a primary key or with a NULL in it, or two
// different key values that are the same once folded (see mergeGroups).
func unmergeableTables(rows []*rowChange) map[string]bool {
	out := map[string]bool{}
	var folded map[string]string // folded key -> exact key
	check := func(rc *rowChange, values map[string]any) {
		pk := rc.info.uniqueKeys[0].columns
		if !foldable(pk, values) {
			return
		}
		if folded == nil {
			folded = map[string]string{}
		}
		f, e := keyString(rc.table, pk, values), exactKey(rc.table, pk, values)
		if prev, ok := folded[f]; ok && prev != e {
			out[rc.table] = true
		}
		folded[f] = e
	}
	for _, rc := range rows {
		if out[rc.table] {
			continue
		}
		if !mergeable(rc) {
			out[rc.table] = true
			continue
		}
		check(rc, rc.dml.Values)
		if rc.dml.Tp == UpdateDMLType {
			check(rc, rc.dml.OldValues)
		}
	}
	return out
}

// foldable tells whether a key has a string value, which a collation may
// compare case-insensitively or without trailing spaces.
func foldable(cols []string, values map[string]any) bool {
	for _, c := range cols {
		switch values[c].(type) {
		case string, []byte:
			return true
		}
	}
	return false
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
