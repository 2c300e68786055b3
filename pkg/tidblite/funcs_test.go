package tidblite

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"
)

// A TIME value casts to text like MySQL's (the loader reads the server's
// UTC offset with CAST(TIMEDIFF(..) AS CHAR)); TIME stays TIME elsewhere.
func TestTimeCastAsChar(t *testing.T) {
	s := startStandalone(t)
	db := openDB(t, s, "")
	for q, want := range map[string]string{
		"SELECT CAST(TIMEDIFF('2020-01-01 08:00:00', '2020-01-01 00:00:00') AS CHAR)":         "08:00:00",
		"SELECT CAST(TIMEDIFF('2020-01-01 00:00:00', '2020-01-01 05:30:00.5') AS CHAR)":       "-05:30:00.500000",
		"SELECT TIMEDIFF('2020-01-02 00:00:00', '2020-01-01 00:00:00')":                       "24:00:00",
		"SELECT TIME_TO_SEC(TIMEDIFF('2020-01-01 01:00:00', '2020-01-01 00:00:00'))":          "3600",
		"SELECT TIMEDIFF('2020-01-01 01:00:00', '2020-01-01 00:00:00') > '00:30:00'":          "1",
		"SELECT TIMEDIFF(TIMEDIFF('2020-01-01 03:00:00', '2020-01-01 00:00:00'), '01:00:00')": "02:00:00",
	} {
		var got sql.NullString
		require.NoError(t, db.QueryRow(q).Scan(&got), q)
		require.Equal(t, want, got.String, q)
	}
	var diff string
	require.NoError(t, db.QueryRow("SELECT CAST(TIMEDIFF(NOW(6), UTC_TIMESTAMP(6)) AS CHAR)").Scan(&diff))
	require.Regexp(t, `^-?\d\d:\d\d:\d\d`, diff)

	mustExec(t, db, "CREATE DATABASE td", "CREATE TABLE td.t (id int PRIMARY KEY, d time)",
		"INSERT INTO td.t VALUES (1, TIMEDIFF('2020-01-01 02:00:00', '2020-01-01 00:00:01'))")
	var d string
	require.NoError(t, db.QueryRow("SELECT d FROM td.t").Scan(&d))
	require.Equal(t, "01:59:59", d)
	require.NoError(t, db.QueryRow("SELECT CONCAT('[', CAST(d AS CHAR), ']') FROM td.t").Scan(&d))
	require.Equal(t, "[01:59:59]", d)
}
