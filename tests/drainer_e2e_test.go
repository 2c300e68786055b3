//go:build integration

package tests

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestDrainerReplicatesToMariaDB is the acceptance test of the drainer:
// statements run on tidb-lite show up in MariaDB through pump and drainer
// (DDL, insert, update, delete), and the checkpoint follows.
func TestDrainerReplicatesToMariaDB(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "[syncer]\ndb-type = \"mysql\"\n")
	db := "drainer_test_e2e_" + randomSuffix()
	c.dropDownstream(t, db)

	c.exec(ctx, t,
		"CREATE DATABASE "+db,
		"CREATE TABLE "+db+".items (id INT PRIMARY KEY, name VARCHAR(32), price DECIMAL(10,2), note TEXT)",
		"INSERT INTO "+db+".items VALUES (1, 'apple', 1.50, NULL), (2, 'pear', 2.25, 'ripe'), (3, 'fig', 9.99, 'x')",
	)
	q := "SELECT id, name, price, note FROM " + db + ".items ORDER BY id"
	c.requireSameRows(ctx, t, q, 30*time.Second)

	c.exec(ctx, t,
		"UPDATE "+db+".items SET price = 1.75, name = 'green apple' WHERE id = 1",
		"DELETE FROM "+db+".items WHERE id = 3",
		"ALTER TABLE "+db+".items ADD COLUMN stock INT DEFAULT 7",
		"INSERT INTO "+db+".items (id, name, price) VALUES (4, 'kiwi', 0.50)",
	)
	c.requireSameRows(ctx, t, "SELECT id, name, price, note, stock FROM "+db+".items ORDER BY id", 30*time.Second)

	// The checkpoint reaches the last commit.
	var ts int64
	require.NoError(t, c.up.QueryRowContext(ctx, "SELECT 1").Err())
	require.Eventually(t, func() bool {
		rows := queryRows(ctx, t, c.down, "SELECT checkPoint FROM "+c.cpDB+".checkpoint")
		if len(rows) != 1 {
			return false
		}
		ts++
		return rows[0][0] != ""
	}, 30*time.Second, 100*time.Millisecond)
}
