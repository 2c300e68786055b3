//go:build integration

package tests

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/openbinlog/tidb-binlog/pkg/binlogfile"
	"github.com/openbinlog/tidb-binlog/proto/filepb"
)

// TestDrainerFileSink replicates to binlog files (db-type file): the DDLs
// and the row events of the statements run on tidb-lite are in the files,
// and the checkpoint is the savepoint file.
func TestDrainerFileSink(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := startDrainerCluster(ctx, t, "[syncer]\ndb-type = \"file\"\n")
	db := "drainer_test_file_" + randomSuffix()
	c.exec(ctx, t, "CREATE DATABASE "+db, "CREATE TABLE "+db+".t (id INT PRIMARY KEY, v VARCHAR(8))",
		"INSERT INTO "+db+".t VALUES (1, 'a'), (2, 'b')", "UPDATE "+db+".t SET v = 'c' WHERE id = 2",
		"DELETE FROM "+db+".t WHERE id = 1")

	var ddls, events []string
	require.Eventually(t, func() bool {
		ddls, events = readFileSink(t, c.drainer.DataDir, db)
		return len(ddls) == 2 && len(events) == 4
	}, 30*time.Second, 100*time.Millisecond, "ddls %v, events %v", ddls, events)
	require.Contains(t, ddls[1], "CREATE TABLE")
	require.Equal(t, []string{"Insert", "Insert", "Update", "Delete"}, events)
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(filepath.Join(c.drainer.DataDir, "savepoint"))
		return err == nil && strings.Contains(string(b), "commitTS")
	}, 30*time.Second, 100*time.Millisecond)
}

// readFileSink returns the DDLs and the row event types of schema db found
// in the binlog files of dir.
func readFileSink(t *testing.T, dir, db string) (ddls, events []string) {
	t.Helper()
	r, err := binlogfile.NewDirReader(dir, binlogfile.Pos{}, binlogfile.ReaderOptions{})
	if err != nil {
		return nil, nil
	}
	defer r.Close()
	for {
		payload, _, err := r.Next()
		if errors.Is(err, io.EOF) {
			return ddls, events
		}
		require.NoError(t, err)
		b := new(filepb.Binlog)
		require.NoError(t, proto.Unmarshal(payload, b))
		if q := string(b.GetDdlQuery()); strings.Contains(q, db) {
			ddls = append(ddls, q)
		}
		for _, ev := range b.GetDmlData().GetEvents() {
			if ev.GetSchemaName() == db {
				events = append(events, ev.GetTp().String())
			}
		}
	}
}
