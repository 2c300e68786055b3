package loader

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestOpenDBSessionVariables(t *testing.T) {
	mode := "STRICT_TRANS_TABLES"
	db, err := OpenDB(DBConfig{
		Host: "127.0.0.1", Port: 3306, User: "root", ReadTimeout: time.Minute, SQLMode: &mode,
		Params: map[string]string{"time_zone": "+05:30", "tidb_unknown_var": "1", "wait_timeout": "1234"},
	})
	require.NoError(t, err)
	defer db.Close()
	var tz, sqlMode string
	var wait int
	require.NoError(t, db.QueryRow("SELECT @@session.time_zone, @@session.sql_mode, @@session.wait_timeout").Scan(&tz, &sqlMode, &wait))
	require.Equal(t, "+05:30", tz)
	require.Equal(t, mode, sqlMode)
	require.Equal(t, 1234, wait)
	// The TiDB-only defaults are unknown to MariaDB and dropped.
	var n int
	require.NoError(t, db.QueryRow("SELECT 1").Scan(&n))
}

func TestOpenDBDefaultTimeZoneIsTheServerOffset(t *testing.T) {
	db, err := OpenDB(DBConfig{Host: "127.0.0.1", Port: 3306, User: "root"})
	require.NoError(t, err)
	defer db.Close()
	var tz, diff string
	require.NoError(t, db.QueryRow("SELECT @@session.time_zone, CAST(TIMEDIFF(NOW(), UTC_TIMESTAMP()) AS CHAR)").Scan(&tz, &diff))
	require.Equal(t, offsetFromTimediff(diff), tz)
}

func TestOpenDBRejectsAmbiguousTimeZones(t *testing.T) {
	for _, tz := range []string{"SYSTEM", "'Local'"} {
		_, err := OpenDB(DBConfig{Host: "127.0.0.1", Port: 3306, User: "root", Params: map[string]string{"time_zone": tz}})
		require.ErrorIs(t, err, ErrInvalidOptions)
	}
}

func TestOffsetFromTimediff(t *testing.T) {
	for in, want := range map[string]string{
		"08:00:00.000000": "+08:00", "-05:30:00": "-05:30", "00:00:00": "+00:00", "07:59:59.999": "+08:00", "bad": "+00:00",
	} {
		require.Equal(t, want, offsetFromTimediff(in), in)
	}
}

func TestLoopbackMarkTable(t *testing.T) {
	db := newDBConn(t)
	n := db.name
	mustExec(t, db.DB, "CREATE TABLE "+n+".t (id INT PRIMARY KEY)")
	opts := DefaultOptions()
	opts.WorkerCount = 3
	opts.Loopback = &LoopbackOptions{ChannelID: 900_000_000 + int64(time.Now().UnixNano()%1_000_000), ChannelInfo: "test"}
	l, err := New(db.DB, opts)
	require.NoError(t, err)
	finish := startLoader(t, l)
	l.Input() <- &Txn{DMLs: []*DML{ins(n, "t", row("id", int64(1)))}}
	require.Eventually(t, func() bool {
		rows := queryRows(t, db.DB, "SELECT COUNT(*), COALESCE(SUM(val), 0) FROM retl._drainer_repl_mark WHERE channel_id = ?", opts.Loopback.ChannelID)
		return rows[0][0] == "3" && rows[0][1] != "0"
	}, 10*time.Second, 20*time.Millisecond)
	_, err = finish()
	require.NoError(t, err)
	rows := queryRows(t, db.DB, "SELECT COUNT(*) FROM retl._drainer_repl_mark WHERE channel_id = ?", opts.Loopback.ChannelID)
	require.Equal(t, "0", rows[0][0], "the channel's rows are cleaned up on exit")
}

func TestAppliedTSWithoutBinlogIsNotFatal(t *testing.T) {
	db := newDBConn(t)
	n := db.name
	mustExec(t, db.DB, "CREATE TABLE "+n+".t (id INT PRIMARY KEY)")
	opts := DefaultOptions()
	opts.DestType = DestTiDB
	require.NoError(t, applyAll(t, db, opts, &Txn{DMLs: []*DML{ins(n, "t", row("id", int64(1)))}}))
	_, err := New(db.DB, Options{DestType: "oracle"})
	require.ErrorIs(t, err, ErrInvalidOptions)
	_, err = (&Loader{db: db.DB}).appliedTS(context.Background())
	require.Error(t, err) // MariaDB without a binary log has no position
}
