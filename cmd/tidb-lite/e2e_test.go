package main

import (
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const createAll = "CREATE TABLE t_all (id bigint PRIMARY KEY, c_int int, c_uint int unsigned, c_float float, " +
	"c_double double, c_dec decimal(20,6), c_char varchar(64), c_blob blob, c_date date, c_dt datetime(6), " +
	"c_ts timestamp(3), c_time time, c_year year, c_enum enum('a','b','c'), c_set set('x','y','z'), c_bit bit(10), " +
	"c_json json, c_text text, c_bin binary(4), c_vb varbinary(8), c_ti tinyint, c_si smallint unsigned, " +
	"c_mi mediumint, c_bu bigint unsigned, c_chr char(5))"

const insertFull = "INSERT INTO t_all VALUES (1, -123, 4000000000, 3.14159, 2.718281828459045, 123456789.123456, " +
	"'hello', x'00ff41', '2024-02-29', '2024-02-29 13:45:59.123456', '2024-02-29 13:45:59.123', '12:34:56', 2024, " +
	"'b', 'x,z', b'1010101010', '{\"a\":1,\"b\":[true,null]}', 'text', 'ab', x'0102', -5, 7, -8, 18446744073709551615, 'ch')"

// workload is a mixed workload over every supported type, DML in autocommit
// and explicit transactions, failing statements and DDL in between.
func workload(t *testing.T, db *sql.DB) {
	t.Helper()
	mustExec(t, db, "CREATE DATABASE e2e", "USE e2e", createAll,
		"CREATE TABLE t_nopk (a int, b varchar(10))",
		"CREATE TABLE t_str (k varchar(20) PRIMARY KEY, v int)",
		insertFull, "INSERT INTO t_all (id) VALUES (2)")
	// Prepared statement (binary protocol) with extremes.
	_, err := db.Exec("INSERT INTO t_all (id, c_int, c_uint, c_float, c_double, c_dec, c_char, c_blob, c_date, c_dt, c_ts, "+
		"c_time, c_year, c_enum, c_set, c_bit, c_json, c_ti, c_bu) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		int64(9223372036854775807), int64(-2147483648), uint64(4294967295), -1.5, 1e-300, "-99999999999999.999999",
		"中文ü€ 0123456789abcdefg", []byte{}, "1000-01-01", "9999-12-31 23:59:59.999999", "1970-01-01 00:00:01.000",
		"-838:59:59", 1901, "c", "", uint64(1023), `[1,"a"]`, int64(-128), uint64(0))
	require.NoError(t, err)

	tx, err := db.Begin()
	require.NoError(t, err)
	for _, q := range []string{
		"INSERT INTO t_all (id, c_int, c_char) VALUES (10, 100, 'ten')",
		"INSERT INTO t_all (id, c_int, c_char) VALUES (11, 110, 'eleven')",
		"UPDATE t_all SET c_int = 101, c_json = '{\"k\":\"v\"}' WHERE id = 10",
		"DELETE FROM t_all WHERE id = 11",
		"INSERT INTO t_nopk VALUES (1, 'x'), (1, 'x'), (NULL, 'y')",
	} {
		_, err := tx.Exec(q)
		require.NoError(t, err, q)
	}
	_, err = tx.Exec("INSERT INTO t_all (id) VALUES (10)") // duplicate: only this statement fails
	require.Error(t, err)
	require.NoError(t, tx.Commit())

	tx, err = db.Begin()
	require.NoError(t, err)
	_, err = tx.Exec("INSERT INTO t_all (id) VALUES (99)")
	require.NoError(t, err)
	require.NoError(t, tx.Rollback()) // never reaches the pump

	_, err = db.Exec("INSERT INTO t_all (id) VALUES (1)") // duplicate in autocommit
	require.Error(t, err)

	mustExec(t, db,
		"UPDATE t_nopk SET b = 'z' WHERE a = 1 LIMIT 1",
		"UPDATE t_all SET c_int = c_int + 1, c_dec = 0.5, c_set = 'y', c_bit = b'1', c_year = 1999 WHERE id = 1",
		"UPDATE t_all SET c_dt = NULL, c_json = NULL, c_bit = NULL WHERE id = 1",
		"UPDATE t_all SET c_int = 7, c_enum = 'a', c_time = '-00:00:01' WHERE id = 2",
		"UPDATE t_all SET id = 3 WHERE id = 9223372036854775807", // a new handle: delete + insert
		"ALTER TABLE t_all ADD COLUMN c_new int DEFAULT 42",
		"INSERT INTO t_all (id, c_int) VALUES (20, 1)",
		"UPDATE t_all SET c_new = 43 WHERE id = 2",
		"ALTER TABLE t_all ADD INDEX idx_int (c_int)",
		"ALTER TABLE t_all ADD UNIQUE INDEX uk_char (c_char)",
		"INSERT INTO t_all (id, c_int, c_char) VALUES (21, 5, 'twenty-one')",
		"ALTER TABLE t_all DROP INDEX idx_int",
		"ALTER TABLE t_nopk ADD COLUMN c int",
		"UPDATE t_nopk SET c = 5 WHERE b = 'y'",
		"ALTER TABLE t_all DROP COLUMN c_new",
		"UPDATE t_all SET c_char = 'one' WHERE id = 1",
		"ALTER TABLE t_nopk MODIFY COLUMN b varchar(20)",
		"INSERT INTO t_nopk VALUES (2, 'a longer value', 6)",
		"REPLACE INTO t_all (id, c_int) VALUES (21, 6)",
		"INSERT INTO t_all (id, c_int) VALUES (20, 2) ON DUPLICATE KEY UPDATE c_int = 3",
		"INSERT INTO t_str VALUES ('k1', 1), ('k2', 2)",
		"UPDATE t_str SET v = 3 WHERE k = 'k1'",
		"DELETE FROM t_str", // no WHERE: the engine truncates, TiDB writes every row
		"INSERT INTO t_str VALUES ('k3', 3)",
		"TRUNCATE TABLE t_nopk",
		"INSERT INTO t_nopk VALUES (7, 'after truncate', NULL)",
		"RENAME TABLE t_str TO t_str2",
		"INSERT INTO t_str2 VALUES ('k4', 4)",
		"CREATE TABLE t_drop (id int PRIMARY KEY)",
		"INSERT INTO t_drop VALUES (1)",
		"DROP TABLE t_drop",
		"DELETE FROM t_all WHERE id = 10",
	)
}

func TestWorkloadDecodesBackFromPump(t *testing.T) {
	c := newCluster(t, 1)
	pl := startPuller(t, c, c.pumps[0])
	s := c.startTiDB(t)
	db := openDB(t, s)
	workload(t, db)
	binlogs := pl.waitPast(t, masterPos(t, db))

	r := newReplica(t, fetchHistory(t, s.StatusURL()), true)
	r.apply(binlogs)
	require.GreaterOrEqual(t, r.dmls, 25)
	require.Equal(t, 15, r.ddls)
	requireReplicaMatches(t, r, db, "e2e", "t_all", "t_nopk", "t_str2")
}

func TestTimestampWrittenInUTC(t *testing.T) {
	c := newCluster(t, 1)
	pl := startPuller(t, c, c.pumps[0])
	s := c.startTiDB(t)
	db := openDB(t, s)
	mustExec(t, db, "CREATE DATABASE tz", "USE tz", "CREATE TABLE t (id int PRIMARY KEY, ts timestamp(3))",
		"SET time_zone = '+08:00'", "INSERT INTO t VALUES (1, '2024-02-29 13:45:59.123')")
	binlogs := pl.waitPast(t, masterPos(t, db))
	r := newReplica(t, fetchHistory(t, s.StatusURL()), true)
	r.apply(binlogs)
	tb := r.table("tz", "t")
	require.NotNil(t, tb)
	d := tb.rows[1][tb.info.Columns[1].ID]
	// The replica unflattens into time.Local; render the stored UTC value.
	gt, err := d.GetTime().GoTime(time.Local)
	require.NoError(t, err)
	require.Equal(t, "2024-02-29 05:45:59.123", gt.UTC().Format("2006-01-02 15:04:05.000"))
}

func TestShowPumpStatusAndChangePump(t *testing.T) {
	c := newCluster(t, 1)
	s := c.startTiDB(t)
	db := openDB(t, s)
	rows, err := db.Query("SHOW PUMP STATUS")
	require.NoError(t, err)
	var ids []string
	for rows.Next() {
		var id, addr, state, updated string
		var maxTS int64
		require.NoError(t, rows.Scan(&id, &addr, &state, &maxTS, &updated))
		require.Equal(t, c.pumps[0].Addr(), addr)
		require.Equal(t, "online", state)
		require.Len(t, updated, len("2006-01-02 15:04:05"))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []string{c.pumps[0].NodeID()}, ids)

	_, err = db.Exec("CHANGE DRAINER TO NODE_STATE = 'paused' FOR NODE_ID 'nope'")
	require.ErrorContains(t, err, "not found")
	_, err = db.Exec("CHANGE PUMP TO NODE_STATE = 'sleepy' FOR NODE_ID '" + ids[0] + "'")
	require.ErrorContains(t, err, "illegal")
	mustExec(t, db, "CHANGE PUMP TO NODE_STATE = 'online' FOR NODE_ID '"+ids[0]+"'")
	rows, err = db.Query("SHOW DRAINER STATUS")
	require.NoError(t, err)
	require.False(t, rows.Next())
	require.NoError(t, rows.Close())
}

func TestCrashSwitchResolvedByPump(t *testing.T) {
	c := newCluster(t, 1)
	pl := startPuller(t, c, c.pumps[0])
	s := c.startTiDB(t)
	db := openDB(t, s)
	mustExec(t, db, "CREATE DATABASE crash", "USE crash", "CREATE TABLE t (id int PRIMARY KEY, v int)",
		"INSERT INTO t VALUES (1, 1)")

	require.NoError(t, s.SetCrashNextTxn("before-commit"))
	_, err := db.Exec("INSERT INTO t VALUES (2, 2)")
	require.ErrorContains(t, err, "injected crash")
	require.NoError(t, s.SetCrashNextTxn("after-commit"))
	mustExec(t, db, "INSERT INTO t VALUES (3, 3)") // commits; its commit binlog is dropped
	mustExec(t, db, "INSERT INTO t VALUES (4, 4)")

	// The pump resolves both prewrites through /mvcc/hex (found through the
	// topology): the first as rolled back, the second as committed.
	binlogs := pl.waitPast(t, masterPos(t, db))
	r := newReplica(t, fetchHistory(t, s.StatusURL()), true)
	r.apply(binlogs)
	requireReplicaMatches(t, r, db, "crash", "t")
	tb := r.table("crash", "t")
	require.Len(t, tb.rows, 3)
	require.NotContains(t, tb.rows, int64(2))
	require.Contains(t, tb.rows, int64(3))
}
