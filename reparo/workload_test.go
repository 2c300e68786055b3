package reparo

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/codec"
	"github.com/openbinlog/tidb-binlog/pkg/loader"
	"github.com/openbinlog/tidb-binlog/pkg/model"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// sbRow is a row of the sysbench-like table
// (id BIGINT PRIMARY KEY, k INT, c VARCHAR(120), pad VARCHAR(60)).
type sbRow struct {
	id   int64
	k    int64
	c    string
	pad  string
	null bool // pad is NULL
}

func (r sbRow) cols() []col {
	pad := col{name: "pad", tp: model.TypeVarchar, old: codec.NewBytesDatum([]byte(r.pad))}
	if r.null {
		pad.old = codec.NewNullDatum()
	}
	return []col{intCol("id", r.id), {name: "k", tp: model.TypeLong, old: codec.NewIntDatum(r.k)}, strCol("c", r.c), pad}
}

func (r sbRow) text() []string {
	pad := r.pad
	if r.null {
		pad = "NULL"
	}
	return []string{strconv.FormatInt(r.id, 10), strconv.FormatInt(r.k, 10), r.c, pad}
}

// workload is a generated history of one table: the binlogs (a CREATE
// TABLE, then DML transactions at 1 s steps) and the table after each one.
type workload struct {
	schema, table string
	binlogs       []*filepb.Binlog
	states        []map[int64]sbRow // states[i]: after binlogs[i]
}

const sbCreate = "CREATE TABLE `%s` (`id` BIGINT PRIMARY KEY, `k` INT, `c` VARCHAR(120), `pad` VARCHAR(60))"

// genWorkload makes txns transactions of up to rowsPerTxn random inserts,
// updates (some changing the key) and deletes.
func genWorkload(t testing.TB, schema string, txns, rowsPerTxn int, seed uint64) *workload {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	w := &workload{schema: schema, table: "sbtest"}
	state := map[int64]sbRow{}
	w.add(ddlBinlog(tso(1), fmt.Sprintf("use `%s`; "+sbCreate+";", schema, w.table)), state)
	nextID := int64(1)
	for i := range txns {
		var evs []*filepb.Event
		for range 1 + rng.IntN(rowsPerTxn) {
			evs = append(evs, w.randomChange(t, rng, state, &nextID))
		}
		w.add(dmlBinlog(tso(int64(i)+2), evs...), state)
	}
	return w
}

func (w *workload) add(b *filepb.Binlog, state map[int64]sbRow) {
	w.binlogs = append(w.binlogs, b)
	w.states = append(w.states, maps.Clone(state))
}

func randomRow(rng *rand.Rand, id int64) sbRow {
	return sbRow{id: id, k: rng.Int64N(1000), c: fmt.Sprintf("c-%d-'quoted'\\%d", id, rng.IntN(1e6)),
		pad: fmt.Sprintf("pad %d", rng.IntN(1e6)), null: rng.IntN(5) == 0}
}

func (w *workload) randomChange(t testing.TB, rng *rand.Rand, state map[int64]sbRow, nextID *int64) *filepb.Event {
	ids := slices.Sorted(maps.Keys(state))
	op := rng.IntN(10)
	switch {
	case len(ids) == 0 || op < 5:
		r := randomRow(rng, *nextID)
		*nextID++
		state[r.id] = r
		return event(t, w.schema, w.table, filepb.EventType_Insert, r.cols()...)
	case op < 8:
		old := state[ids[rng.IntN(len(ids))]]
		nw := randomRow(rng, old.id)
		if rng.IntN(4) == 0 { // a new primary key
			nw.id = *nextID
			*nextID++
		}
		delete(state, old.id)
		state[nw.id] = nw
		oc, nc := old.cols(), nw.cols()
		for i := range oc {
			oc[i].new = nc[i].old
		}
		return event(t, w.schema, w.table, filepb.EventType_Update, oc...)
	default:
		old := state[ids[rng.IntN(len(ids))]]
		delete(state, old.id)
		return event(t, w.schema, w.table, filepb.EventType_Delete, old.cols()...)
	}
}

// stateAt returns the table after the last binlog with commit ts <= ts.
func (w *workload) stateAt(ts int64) map[int64]sbRow {
	state := map[int64]sbRow{}
	for i, b := range w.binlogs {
		if b.GetCommitTs() <= ts {
			state = w.states[i]
		}
	}
	return state
}

func expectedRows(state map[int64]sbRow) [][]string {
	out := [][]string{}
	for _, id := range slices.Sorted(maps.Keys(state)) {
		out = append(out, state[id].text())
	}
	return out
}

// testDB opens the local MariaDB with a fresh database dropped at the end.
func testDB(t testing.TB) (*sql.DB, string) {
	t.Helper()
	db, err := loader.OpenDB(loader.DBConfig{Host: "127.0.0.1", Port: 3306, User: "root", ReadTimeout: time.Minute,
		Params: map[string]string{"time_zone": "'+00:00'"}})
	require.NoError(t, err, "MariaDB must run on 127.0.0.1:3306 (scripts/ensure-mariadb.sh)")
	name := fmt.Sprintf("reparo_test_%d", rand.Uint64()%1_000_000_000)
	_, err = db.Exec("CREATE DATABASE " + name)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name)
		db.Close()
	})
	return db, name
}

// queryRows returns every row of a query as strings (NULL as "NULL").
func queryRows(t testing.TB, db *sql.DB, query string, args ...any) [][]string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), query, args...)
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	out := [][]string{}
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = "NULL"
			if v.Valid {
				row[i] = v.String
			}
		}
		out = append(out, row)
	}
	require.NoError(t, rows.Err())
	return out
}

func tableRows(t testing.TB, db *sql.DB, schema string) [][]string {
	t.Helper()
	return queryRows(t, db, "SELECT id, k, c, pad FROM `"+schema+"`.`sbtest` ORDER BY id")
}
