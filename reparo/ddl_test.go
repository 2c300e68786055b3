package reparo

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseDDL(t *testing.T) {
	cases := []struct {
		q                  string
		schema, table, sql string
	}{
		{"CREATE DATABASE `d1`;;", "d1", "", "CREATE DATABASE `d1`;"},
		{"CREATE DATABASE IF NOT EXISTS d2;", "d2", "", "CREATE DATABASE IF NOT EXISTS d2"},
		{"use `db`; CREATE TABLE `t` (`a` INT);;", "db", "t", "CREATE TABLE `t` (`a` INT);"},
		{"use `db`; create table if not exists other.t2 (a int);", "other", "t2", "create table if not exists other.t2 (a int)"},
		{"use `db`; DROP TABLE IF EXISTS `t1`, `t2`;", "db", "t1", "DROP TABLE IF EXISTS `t1`, `t2`"},
		{"use `db`; TRUNCATE TABLE `t`;;", "db", "t", "TRUNCATE TABLE `t`;"},
		{"use `db`; RENAME TABLE `a` TO `b`;;", "db", "b", "RENAME TABLE `a` TO `b`;"},
		{"use `db`; CREATE UNIQUE INDEX `i` ON `x`.`t` (`a`);", "x", "t", "CREATE UNIQUE INDEX `i` ON `x`.`t` (`a`)"},
		{"use `db`; DROP INDEX i ON t;", "db", "t", "DROP INDEX i ON t"},
		{"use `db`; ALTER TABLE `t` ADD COLUMN `c` INT /*T![x] y */;;", "db", "t", "ALTER TABLE `t` ADD COLUMN `c` INT /*T![x] y */;"},
		{"use `db`; DROP DATABASE `db`;;", "db", "", "DROP DATABASE `db`;"},
		{"use `db`; ALTER DATABASE CHARACTER SET = utf8mb4;", "db", "", "ALTER DATABASE CHARACTER SET = utf8mb4"},
		{"use `we``ird`; CREATE TABLE `a;b` (x int);", "we`ird", "a;b", "CREATE TABLE `a;b` (x int)"},
		{"use `db`; CREATE VIEW v AS SELECT 1;", "db", "v", "CREATE VIEW v AS SELECT 1"},
	}
	for _, c := range cases {
		info, err := ParseDDL(c.q)
		require.NoError(t, err, c.q)
		require.Equal(t, DDLInfo{Schema: c.schema, Table: c.table, SQL: c.sql}, info, c.q)
	}
}

func TestParseDDLWithoutDatabase(t *testing.T) {
	_, err := ParseDDL("CREATE TABLE t (a int);")
	require.ErrorIs(t, err, ErrBadDDL)
	_, err = ParseDDL("")
	require.ErrorIs(t, err, ErrBadDDL)
}

func FuzzParseDDL(f *testing.F) {
	f.Add("use `db`; CREATE TABLE `t` (`a` INT);;")
	f.Add("CREATE DATABASE `d`;;")
	f.Add("use `db`; RENAME TABLE a TO")
	f.Fuzz(func(t *testing.T, q string) {
		_, _ = ParseDDL(q)
	})
}
