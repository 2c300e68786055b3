package checkpoint

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

func TestFileMissingAndZeroUseInitialTS(t *testing.T) {
	path := filepath.Join(t.TempDir(), "savepoint")
	cp, err := NewFile(path, WithInitialCommitTS(42))
	require.NoError(t, err)
	require.EqualValues(t, 42, cp.TS())
	require.False(t, cp.IsConsistent())

	require.NoError(t, os.WriteFile(path, []byte("consistent = true\ncommitTS = 0\nschema-version = 3\n"), 0o644))
	require.NoError(t, cp.Load())
	require.EqualValues(t, 42, cp.TS())
	require.EqualValues(t, 3, cp.SchemaVersion())
	require.True(t, cp.IsConsistent())
}

func TestFileSaveLoadAndVersionOnlyIncreases(t *testing.T) {
	path := filepath.Join(t.TempDir(), "savepoint")
	cp, err := NewFile(path)
	require.NoError(t, err)
	require.NoError(t, cp.Save(100, 0, false, 7))
	require.NoError(t, cp.Save(200, 0, true, 5))
	require.EqualValues(t, 7, cp.SchemaVersion())

	again, err := NewFile(path, WithInitialCommitTS(1))
	require.NoError(t, err)
	require.EqualValues(t, 200, again.TS())
	require.EqualValues(t, 7, again.SchemaVersion())
	require.True(t, again.IsConsistent())
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temp file left behind")
}

func TestFileCorruptIsAnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "savepoint")
	require.NoError(t, os.WriteFile(path, []byte("commitTS = \"not a number\n"), 0o644))
	_, err := NewFile(path, WithInitialCommitTS(5))
	var ce *CorruptError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, path, ce.Source)

	// A directory where the file should be: unreadable.
	require.NoError(t, os.Remove(path))
	require.NoError(t, os.Mkdir(path, 0o755))
	_, err = NewFile(path)
	require.ErrorAs(t, err, &ce)
}

func TestFileClosed(t *testing.T) {
	cp, err := NewFile(filepath.Join(t.TempDir(), "savepoint"))
	require.NoError(t, err)
	require.NoError(t, cp.Close())
	require.ErrorIs(t, cp.Save(1, 0, false, 0), ErrClosed)
	require.ErrorIs(t, cp.Load(), ErrClosed)
}

func TestMySQLSaveRetries(t *testing.T) {
	rec := &recorder{fail: 4}
	cp := &MySQL{db: rec.open(t), cfg: MySQLConfig{Schema: "s", Table: "t", RetryInterval: time.Millisecond}, clusterID: 9}
	cp.lg = zap.NewNop()
	cp.st.TSMap = map[string]int64{}
	require.NoError(t, cp.Save(10, 0, false, 1))
	require.Equal(t, 5, rec.count())
	require.EqualValues(t, 10, cp.TS())

	rec.fail = saveAttempts
	err := cp.Save(11, 0, false, 1)
	require.ErrorIs(t, err, errInjected)
	require.Equal(t, 5+saveAttempts, rec.count())
	require.EqualValues(t, 10, cp.TS(), "a failed save keeps the previous state")
}

// mariaDB opens the test server and a fresh schema dropped at the end.
func mariaDB(t *testing.T) (*sql.DB, string) {
	t.Helper()
	db, err := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/?interpolateParams=true")
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, db.Ping(), "MariaDB on 127.0.0.1:3306 (scripts/ensure-mariadb.sh)")
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "checkpoint_test_" + hex.EncodeToString(b)
	t.Cleanup(func() { _, _ = db.Exec("drop database if exists " + schema) })
	return db, schema
}

func TestMySQLRoundTrip(t *testing.T) {
	db, schema := mariaDB(t)
	cfg := MySQLConfig{ClusterID: 7, Schema: schema, InitialCommitTS: 33, RetryInterval: time.Millisecond}
	cp, err := NewMySQL(db, cfg)
	require.NoError(t, err)
	require.EqualValues(t, 33, cp.TS())
	require.NoError(t, cp.Save(500, 0, false, 12))
	require.NoError(t, cp.Save(600, 599, true, 11))

	again, err := NewMySQL(db, cfg)
	require.NoError(t, err)
	require.EqualValues(t, 600, again.TS())
	require.EqualValues(t, 12, again.SchemaVersion())
	require.True(t, again.IsConsistent())

	var text string
	require.NoError(t, db.QueryRow(fmt.Sprintf("select checkPoint from %s.checkpoint where clusterID = 7", schema)).Scan(&text))
	require.Equal(t, `{"consistent":true,"commitTS":600,"ts-map":{"primary-ts":600,"secondary-ts":599},"schema-version":12}`, text)

	// Unknown cluster id: the single row's id.
	unknown, err := NewMySQL(db, MySQLConfig{Schema: schema})
	require.NoError(t, err)
	require.EqualValues(t, 7, unknown.ClusterID())
	require.EqualValues(t, 600, unknown.TS())

	_, err = db.Exec(fmt.Sprintf("insert into %s.checkpoint values(8, '{}')", schema))
	require.NoError(t, err)
	_, err = NewMySQL(db, MySQLConfig{Schema: schema})
	require.ErrorIs(t, err, ErrManyClusterIDs)
}

func TestMySQLNoRowAndCorrupt(t *testing.T) {
	db, schema := mariaDB(t)
	_, err := NewMySQL(db, MySQLConfig{Schema: schema})
	require.ErrorIs(t, err, ErrNoClusterID)

	_, err = db.Exec(fmt.Sprintf("insert into %s.checkpoint values(3, '{\"commitTS\":0}')", schema))
	require.NoError(t, err)
	cp, err := NewMySQL(db, MySQLConfig{ClusterID: 3, Schema: schema, InitialCommitTS: 9})
	require.NoError(t, err)
	require.EqualValues(t, 9, cp.TS(), "commitTS 0 is the initial ts")

	_, err = db.Exec(fmt.Sprintf("update %s.checkpoint set checkPoint = '{\"commitTS\":' where clusterID = 3", schema))
	require.NoError(t, err)
	err = cp.Load()
	var ce *CorruptError
	require.ErrorAs(t, err, &ce)
	require.Contains(t, ce.Error(), "clusterID 3")
}
