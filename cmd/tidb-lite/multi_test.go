package main

import (
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openbinlog/tidb-binlog/pkg/tidblite"
	"github.com/openbinlog/tidb-binlog/proto/binlogpb"
)

// Two tidb-lite instances write concurrently to the same two pumps: they take
// timestamps from the same TSO and IDs from the same meta, so nothing
// collides, and the merged streams decode into both instances' tables.
func TestTwoInstancesShareTSOAndIDs(t *testing.T) {
	c := newCluster(t, 2)
	pullers := []*puller{startPuller(t, c, c.pumps[0]), startPuller(t, c, c.pumps[1])}
	servers := []*tidblite.Server{c.startTiDB(t), c.startTiDB(t)}
	dbs := []*sql.DB{openDB(t, servers[0]), openDB(t, servers[1])}
	schemas := []string{"one", "two"}

	errs := make([]error, len(dbs))
	var wg sync.WaitGroup
	for i := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = smallWorkload(dbs[i], schemas[i])
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}

	// Each instance loaded the other's DDL: same name, same table info.
	_, err := dbs[1].Exec("CREATE TABLE one.t (id int)")
	require.Error(t, err, "instance two knows one.t")
	require.Equal(t, httpBody(t, servers[0].StatusURL()+"/schema/one/t"), httpBody(t, servers[1].StatusURL()+"/schema/one/t"))

	pos := max(masterPos(t, dbs[0]), masterPos(t, dbs[1]))
	merged := mergeByCommitTS(pullers[0].waitPast(t, pos), pullers[1].waitPast(t, pos))
	requireNoCollision(t, merged)
	for _, p := range pullers {
		require.NotEmpty(t, p.binlogs, "the range strategy uses both pumps")
	}

	history := fetchHistory(t, servers[0].StatusURL())
	require.Equal(t, history, fetchHistory(t, servers[1].StatusURL()), "one shared DDL history")
	r := newReplica(t, history, false)
	r.apply(merged)
	requireReplicaMatches(t, r, dbs[0], "one", "t")
	requireReplicaMatches(t, r, dbs[1], "two", "t")
	require.NotEqual(t, r.table("one", "t").info.ID, r.table("two", "t").info.ID)
}

// smallWorkload creates schema.t and writes to it.
func smallWorkload(db *sql.DB, schema string) error {
	queries := []string{
		"CREATE DATABASE " + schema,
		"CREATE TABLE " + schema + ".t (id int PRIMARY KEY, v varchar(20), ts timestamp)",
	}
	for i := range 20 {
		queries = append(queries, fmt.Sprintf("INSERT INTO %s.t VALUES (%d, 'v%d', '2024-01-01 00:00:%02d')", schema, i, i, i))
		if i%3 == 0 {
			queries = append(queries, fmt.Sprintf("UPDATE %s.t SET v = 'u%d' WHERE id = %d", schema, i, i/2))
		}
		if i%5 == 4 {
			queries = append(queries, fmt.Sprintf("DELETE FROM %s.t WHERE id = %d", schema, i-1))
		}
	}
	queries = append(queries, "ALTER TABLE "+schema+".t ADD COLUMN n int DEFAULT 7", "UPDATE "+schema+".t SET n = 8 WHERE id = 0")
	for _, q := range queries {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// requireNoCollision checks that no two transactions share a timestamp.
func requireNoCollision(t *testing.T, binlogs []*binlogpb.Binlog) {
	t.Helper()
	seen := map[int64]string{}
	for _, b := range binlogs {
		for _, ts := range []int64{b.GetStartTs(), b.GetCommitTs()} {
			what := fmt.Sprintf("txn %d/%d", b.GetStartTs(), b.GetCommitTs())
			prev, dup := seen[ts]
			require.False(t, dup, "timestamp %d used by %s and %s", ts, prev, what)
			seen[ts] = what
		}
	}
}

func httpBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	return string(b)
}

// A restarted tidb-lite reloads the schema from the shared DDL history and
// keeps allocating IDs after the ones already used.
func TestRestartReloadsSchema(t *testing.T) {
	c := newCluster(t, 1)
	first := c.startTiDB(t)
	db := openDB(t, first)
	mustExec(t, db, "CREATE DATABASE rs", "CREATE TABLE rs.t (id int PRIMARY KEY, v int)", "ALTER TABLE rs.t ADD COLUMN w int",
		"INSERT INTO rs.t VALUES (1, 2, 3)")
	schema := httpBody(t, first.StatusURL()+"/schema/rs/t")
	require.NoError(t, db.Close())
	require.NoError(t, first.Close())

	second := c.startTiDB(t)
	require.Equal(t, schema, httpBody(t, second.StatusURL()+"/schema/rs/t"))
	db = openDB(t, second)
	var n int
	require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM rs.t").Scan(&n))
	require.Zero(t, n, "rows are not persisted")
	mustExec(t, db, "INSERT INTO rs.t VALUES (1, 2, 3)", "CREATE TABLE rs.u (id int)")
	history := fetchHistory(t, second.StatusURL())
	require.Len(t, history, 4)
	ids := map[int64]bool{}
	for _, j := range history {
		require.False(t, ids[j.ID])
		ids[j.ID] = true
		if j.TableID != 0 {
			ids[j.TableID] = true
		}
	}
}

// Both instances write one table at once from several sessions each: their
// AUTO_INCREMENT values come from disjoint ranges of the shared allocator,
// as with TiDB, so the merged stream never inserts one key twice.
func TestTwoInstancesWriteOneTable(t *testing.T) {
	c := newCluster(t, 1)
	p := startPuller(t, c, c.pumps[0])
	servers := []*tidblite.Server{c.startTiDB(t), c.startTiDB(t)}
	dbs := []*sql.DB{openDB(t, servers[0]), openDB(t, servers[1])}
	_, err := dbs[0].Exec("CREATE DATABASE twoinst")
	require.NoError(t, err)
	_, err = dbs[0].Exec("CREATE TABLE twoinst.t (id bigint AUTO_INCREMENT PRIMARY KEY, w int)")
	require.NoError(t, err)
	const sessions, each = 4, 10
	errs := make(chan error, 2*sessions*each)
	var wg sync.WaitGroup
	for i, db := range dbs {
		db.SetMaxOpenConns(sessions)
		for range sessions {
			wg.Go(func() {
				for range each {
					if _, err := db.Exec("INSERT INTO twoinst.t (w) VALUES (?)", i); err != nil {
						errs <- err
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	seen := map[int64]int{}
	for i, db := range dbs {
		rows, err := db.Query("SELECT id FROM twoinst.t")
		require.NoError(t, err)
		n := 0
		for rows.Next() {
			var id int64
			require.NoError(t, rows.Scan(&id))
			prev, dup := seen[id]
			require.False(t, dup, "id %d inserted by instances %d and %d", id, prev, i)
			seen[id] = i
			n++
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		require.Equal(t, sessions*each, n)
	}
	pos := max(masterPos(t, dbs[0]), masterPos(t, dbs[1]))
	requireNoCollision(t, p.waitPast(t, pos))
}
