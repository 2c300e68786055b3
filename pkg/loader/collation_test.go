package loader

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestKeysThatDifferOnlyInCase applies, in one transaction (so in one
// batch), row changes whose keys differ only in case: two rows under a
// binary key, one row under a case-insensitive one. Merging or upserting
// by the folded key would lose a row of the binary table.
func TestKeysThatDifferOnlyInCase(t *testing.T) {
	db := newDBConn(t)
	n := db.name
	mustExec(t, db.DB, "CREATE TABLE "+n+".bin (id VARBINARY(16) PRIMARY KEY, v INT)")
	mustExec(t, db.DB, "CREATE TABLE "+n+".ci (id VARCHAR(16) COLLATE utf8mb4_general_ci PRIMARY KEY, v INT)")
	for _, merge := range []bool{false, true} {
		for _, safe := range []bool{false, true} {
			mustExec(t, db.DB, "DELETE FROM "+n+".bin")
			mustExec(t, db.DB, "DELETE FROM "+n+".ci")
			opts := DefaultOptions()
			// One worker: the updates land in one chunk, where
			// consecutive upsertable ones fold.
			opts.Merge, opts.SafeMode, opts.WorkerCount = merge, safe, 1
			err := applyAll(t, db, opts,
				&Txn{DMLs: []*DML{
					ins(n, "bin", row("id", "A", "v", int64(1))),
					ins(n, "bin", row("id", "a", "v", int64(2))),
					ins(n, "bin", row("id", "B", "v", int64(3))),
					ins(n, "ci", row("id", "X", "v", int64(1))),
				}},
				&Txn{DMLs: []*DML{
					// Key-keeping and key-moving updates side by side:
					// only the first may become an upsert.
					upd(n, "bin", row("id", "a", "v", int64(2)), row("id", "a", "v", int64(4))),
					upd(n, "bin", row("id", "B", "v", int64(3)), row("id", "b", "v", int64(5))),
					upd(n, "ci", row("id", "X", "v", int64(1)), row("id", "x", "v", int64(6))),
					upd(n, "ci", row("id", "x", "v", int64(6)), row("id", "x", "v", int64(7))),
				}},
			)
			require.NoError(t, err, "merge %v safe %v", merge, safe)
			require.Equal(t, [][]string{{"A", "1"}, {"a", "4"}, {"b", "5"}},
				queryRows(t, db.DB, "SELECT id, v FROM "+n+".bin ORDER BY id"), "merge %v safe %v", merge, safe)
			require.Equal(t, [][]string{{"x", "7"}},
				queryRows(t, db.DB, "SELECT id, v FROM "+n+".ci"), "merge %v safe %v", merge, safe)
		}
	}
}

func TestSameValue(t *testing.T) {
	require.True(t, sameValue(int64(1), int64(1)))
	require.False(t, sameValue(int64(1), uint64(1)))
	require.False(t, sameValue("a", "A"))
	require.False(t, sameValue("a", []byte("a")))
	require.True(t, sameValue([]byte("a"), []byte("a")))
	require.False(t, sameValue([]byte("a"), "a"))
	require.True(t, sameValue(nil, nil))
	require.False(t, sameValue(nil, int64(0)))
	type odd struct{ s []int }
	require.True(t, sameValue(odd{[]int{1}}, odd{[]int{1}}))
	require.NotEqual(t, exactKey("t", []string{"id"}, row("id", "a")), exactKey("t", []string{"id"}, row("id", "A")))
	require.NotEqual(t, exactKey("t", []string{"id"}, row("id", int64(1))), exactKey("t", []string{"id"}, row("id", "1")))
	require.Equal(t, keyString("t", []string{"id"}, row("id", "a ")), keyString("t", []string{"id"}, row("id", "A")))
}
