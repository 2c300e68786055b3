package loader

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// model is the expected content of the tables of the randomized workload:
// kv(id INT PRIMARY KEY, u INT UNIQUE, v VARCHAR(20)) by id, and the
// keyless bag(a INT, b VARCHAR(20)) as a list.
type model struct {
	name  string
	rows  map[int64]map[string]any
	usedU map[int64]bool
	bag   []map[string]any
	r     *rand.Rand
	noBag bool
}

func newModel(name string, seed uint64) *model {
	return &model{name: name, rows: map[int64]map[string]any{}, usedU: map[int64]bool{}, r: rand.New(rand.NewPCG(seed, 7))}
}

func (m *model) freeID() int64 {
	for {
		if id := int64(m.r.IntN(200)); m.rows[id] == nil {
			return id
		}
	}
}

// freeU returns an unused u, or NULL (nil) now and then.
func (m *model) freeU() any {
	if m.r.IntN(5) == 0 {
		return nil
	}
	for range 50 {
		if u := int64(m.r.IntN(60)); !m.usedU[u] {
			return u
		}
	}
	return nil
}

func (m *model) anyRow() map[string]any {
	ids := make([]int64, 0, len(m.rows))
	for id := range m.rows {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return m.rows[ids[m.r.IntN(len(ids))]]
}

func (m *model) put(row map[string]any) {
	m.rows[row["id"].(int64)] = row
	if u, ok := row["u"].(int64); ok {
		m.usedU[u] = true
	}
}

func (m *model) remove(row map[string]any) {
	delete(m.rows, row["id"].(int64))
	if u, ok := row["u"].(int64); ok {
		delete(m.usedU, u)
	}
}

// next returns one DML and applies it to the model.
func (m *model) next() *DML {
	v := fmt.Sprintf("v%d", m.r.IntN(1000))
	switch k := m.r.IntN(10); {
	case k < 2 && !m.noBag:
		return m.nextBag()
	case len(m.rows) > 120:
		old := m.anyRow()
		m.remove(old)
		return &DML{Database: m.name, Table: "kv", Tp: DeleteDMLType, Values: old}
	case k < 5 || len(m.rows) < 5:
		row := map[string]any{"id": m.freeID(), "u": m.freeU(), "v": v}
		m.put(row)
		return &DML{Database: m.name, Table: "kv", Tp: InsertDMLType, Values: row}
	case k < 8:
		old := m.anyRow()
		m.remove(old)
		row := map[string]any{"id": old["id"], "u": old["u"], "v": v}
		if m.r.IntN(3) == 0 {
			row["id"] = m.freeID()
		}
		if m.r.IntN(2) == 0 {
			row["u"] = m.freeU()
		}
		m.put(row)
		return &DML{Database: m.name, Table: "kv", Tp: UpdateDMLType, Values: row, OldValues: old}
	default:
		old := m.anyRow()
		m.remove(old)
		return &DML{Database: m.name, Table: "kv", Tp: DeleteDMLType, Values: old}
	}
}

func (m *model) nextBag() *DML {
	if len(m.bag) == 0 || m.r.IntN(2) == 0 {
		row := map[string]any{"a": int64(m.r.IntN(5)), "b": fmt.Sprintf("b%d", m.r.IntN(3))}
		if m.r.IntN(4) == 0 {
			row["a"] = nil
		}
		m.bag = append(m.bag, row)
		return &DML{Database: m.name, Table: "bag", Tp: InsertDMLType, Values: row}
	}
	i := m.r.IntN(len(m.bag))
	old := m.bag[i]
	if m.r.IntN(2) == 0 {
		m.bag = append(m.bag[:i], m.bag[i+1:]...)
		return &DML{Database: m.name, Table: "bag", Tp: DeleteDMLType, Values: old}
	}
	row := map[string]any{"a": old["a"], "b": fmt.Sprintf("b%d", m.r.IntN(3))}
	m.bag[i] = row
	return &DML{Database: m.name, Table: "bag", Tp: UpdateDMLType, Values: row, OldValues: old}
}

func (m *model) txns(n int) []*Txn {
	out := make([]*Txn, n)
	for i := range out {
		txn := &Txn{CommitTS: int64(i + 1)}
		for k := 1 + m.r.IntN(6); k > 0; k-- {
			txn.DMLs = append(txn.DMLs, m.next())
		}
		out[i] = txn
	}
	return out
}

func cell(v any) string {
	if v == nil {
		return "NULL"
	}
	return fmt.Sprint(v)
}

func (m *model) wantKV() [][]string {
	var out [][]string
	for _, r := range m.rows {
		out = append(out, []string{cell(r["id"]), cell(r["u"]), cell(r["v"])})
	}
	sortRows(out)
	return out
}

func (m *model) wantBag() [][]string {
	var out [][]string
	for _, r := range m.bag {
		out = append(out, []string{cell(r["a"]), cell(r["b"])})
	}
	sortRows(out)
	return out
}

func sortRows(rows [][]string) {
	sort.Slice(rows, func(i, j int) bool { return fmt.Sprint(rows[i]) < fmt.Sprint(rows[j]) })
}

// TestRandomWorkload applies a generated workload (inserts, updates that
// move primary and unique keys, unique values handed from row to row,
// deletes, a keyless table) in every mode and compares the downstream with
// the model.
func TestRandomWorkload(t *testing.T) {
	modes := []struct {
		name                 string
		merge, safe, disp    bool
		workers, batch, seed int
		pkOnly               bool
	}{
		{"default", false, false, true, 16, 20, 1, false},
		{"small_batches", false, false, true, 4, 2, 2, false},
		{"merge", true, false, true, 16, 20, 3, false},
		{"merge_small", true, false, true, 3, 1, 4, false},
		{"safe", false, true, true, 8, 5, 5, false},
		{"no_dispatch", false, false, false, 16, 20, 6, false},
		{"pk_only", false, false, true, 4, 20, 7, true},
		{"pk_only_merge", true, false, true, 4, 20, 8, true},
		{"pk_only_safe", false, true, true, 4, 20, 9, true},
	}
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			db, name := testDB(t)
			uk := " UNIQUE"
			if mode.pkOnly {
				uk = "" // updates fold into INSERT … ON DUPLICATE KEY UPDATE
			}
			mustExec(t, db, "CREATE TABLE "+name+".kv (id INT PRIMARY KEY, u INT"+uk+", v VARCHAR(20))")
			mustExec(t, db, "CREATE TABLE "+name+".bag (a INT, b VARCHAR(20))")
			opts := DefaultOptions()
			opts.Merge, opts.SafeMode, opts.EnableDispatch = mode.merge, mode.safe, mode.disp
			opts.WorkerCount, opts.BatchSize = mode.workers, mode.batch
			l, err := New(db, opts)
			require.NoError(t, err)
			m := newModel(name, uint64(mode.seed))
			finish := startLoader(t, l)
			txns := m.txns(400)
			for _, txn := range txns {
				l.Input() <- txn
			}
			got, err := finish()
			require.NoError(t, err)
			require.Equal(t, txns, got)
			require.Equal(t, m.wantKV(), sorted(queryRows(t, db, "SELECT id, u, v FROM "+name+".kv")))
			require.Equal(t, m.wantBag(), sorted(queryRows(t, db, "SELECT a, b FROM "+name+".bag")))
		})
	}
}

func sorted(rows [][]string) [][]string {
	sortRows(rows)
	return rows
}
