//go:build integration

package tests

import (
	"context"
	"testing"
	"time"
)

// TestDrainerPullsGzipFromPumpProcess: a drainer with compressor = "gzip"
// pulls from a pump process (which must have gRPC's gzip codec registered)
// and replicates as usual.
func TestDrainerPullsGzipFromPumpProcess(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "compressor = \"gzip\"\n[syncer]\ndb-type = \"mysql\"\n")
	db := "drainer_test_gzip_" + randomSuffix()
	c.dropDownstream(t, db)
	c.exec(ctx, t,
		"CREATE DATABASE "+db,
		"CREATE TABLE "+db+".t (id INT PRIMARY KEY, v VARCHAR(64))",
		"INSERT INTO "+db+".t VALUES (1, 'one'), (2, 'two')",
	)
	c.requireSameRows(ctx, t, "SELECT id, v FROM "+db+".t ORDER BY id", 60*time.Second)
}
