package loader

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testUser creates a MariaDB user of its own, so that its connections (the
// loader's) can be killed without touching anyone else's.
func testUser(t *testing.T, root *sql.DB) string {
	user := fmt.Sprintf("loader_u%d", rand.Uint32()%1_000_000)
	for _, host := range []string{"%", "localhost", "127.0.0.1"} {
		mustExec(t, root, fmt.Sprintf("CREATE USER '%s'@'%s' IDENTIFIED BY 'pw'", user, host))
		mustExec(t, root, fmt.Sprintf("GRANT ALL ON *.* TO '%s'@'%s'", user, host))
	}
	t.Cleanup(func() {
		for _, host := range []string{"%", "localhost", "127.0.0.1"} {
			_, _ = root.Exec(fmt.Sprintf("DROP USER IF EXISTS '%s'@'%s'", user, host))
		}
	})
	return user
}

// killAll kills every connection of user and returns how many it killed.
func killAll(root *sql.DB, user string) int {
	rows, err := root.Query("SELECT id FROM information_schema.processlist WHERE user = ?", user)
	if err != nil {
		return 0
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if rows.Scan(&id) == nil {
			ids = append(ids, id)
		}
	}
	rows.Close()
	n := 0
	for _, id := range ids {
		if _, err := root.Exec(fmt.Sprintf("KILL %d", id)); err == nil {
			n++
		}
	}
	return n
}

// TestDownstreamConnectionsKilledUnderLoad kills every connection of the
// loader again and again while it applies a workload: nothing is lost or
// duplicated, and the downstream ends equal to the model.
func TestDownstreamConnectionsKilledUnderLoad(t *testing.T) {
	for _, merge := range []bool{false, true} {
		t.Run(fmt.Sprintf("merge_%v", merge), func(t *testing.T) {
			root, name := testDB(t)
			user := testUser(t, root)
			mustExec(t, root, "CREATE TABLE "+name+".kv (id INT PRIMARY KEY, u INT UNIQUE, v VARCHAR(20))")
			db, err := OpenDB(DBConfig{Host: "127.0.0.1", Port: 3306, User: user, Password: "pw", ReadTimeout: time.Minute})
			require.NoError(t, err)
			defer db.Close()
			opts := DefaultOptions()
			opts.WorkerCount, opts.BatchSize, opts.Merge = 4, 5, merge
			l, err := New(db, opts)
			require.NoError(t, err)
			m := newModel(name, 11)
			m.noBag = true
			txns := m.txns(1000)
			finish := startLoader(t, l)

			// A killer in the background hits connections in the middle of
			// statements; between chunks the test also kills every idle
			// pooled connection itself, so there are kills however fast the
			// workload runs. (A ping first makes the pool hold a live
			// connection: a loader that has caught up opens none, and the
			// background killer may have just killed them all.)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var kills atomic.Int64
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					case <-time.After(250 * time.Millisecond):
						kills.Add(int64(killAll(root, user)))
					}
				}
			}()
			for i, txn := range txns {
				if i > 0 && i%200 == 0 {
					require.Eventually(t, func() bool {
						_ = db.Ping()
						n := killAll(root, user)
						kills.Add(int64(n))
						return n > 0
					}, 30*time.Second, 5*time.Millisecond, "no connection of the loader to kill")
				}
				l.Input() <- txn
			}
			close(stop)
			wg.Wait()
			got, err := finish()
			require.NoError(t, err)
			require.Equal(t, txns, got)
			require.Positive(t, kills.Load())
			t.Logf("killed %d connections", kills.Load())
			require.Equal(t, m.wantKV(), sorted(queryRows(t, root, "SELECT id, u, v FROM "+name+".kv")))
		})
	}
}
