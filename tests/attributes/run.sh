#!/usr/bin/env bash
# ALTER TABLE ... ATTRIBUTES and ALTER TABLE ... PARTITION p ATTRIBUTES are
# job types the drainer skips; the table and partition DDLs around them
# (TRUNCATE TABLE, RENAME TABLE, DROP and TRUNCATE PARTITION) replicate,
# ending with 3 tables downstream equal to upstream.
#
# Left out of the original's sequence: RECOVER TABLE and FLASHBACK TABLE.
# tidb-lite runs them (pkg/tidblite tests), but the drainer sends TiDB's
# query as is and MariaDB has neither statement; the rows they bring back
# are in no binlog, so no rewrite could reproduce them downstream.
set -euo pipefail
. "$(dirname "$0")/../_utils/helpers.sh"

db=attr
run_sql "CREATE DATABASE $db"
run_sql "CREATE TABLE $db.attributes_t1 (id int PRIMARY KEY, name varchar(50))"
run_sql "ALTER TABLE $db.attributes_t1 ATTRIBUTES='merge_option=deny'"
run_sql "INSERT INTO $db.attributes_t1 (id, name) VALUES (1, 'test1')"

run_sql "CREATE TABLE $db.attributes_t2 (id int PRIMARY KEY, name varchar(50)) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10000), PARTITION p1 VALUES LESS THAN (MAXVALUE))"
run_sql "ALTER TABLE $db.attributes_t2 ATTRIBUTES='merge_option=deny'"
run_sql "ALTER TABLE $db.attributes_t2 PARTITION p0 ATTRIBUTES='merge_option=allow'"
run_sql "INSERT INTO $db.attributes_t2 (id, name) VALUES (2, 'test2'), (10002, 'test3'), (20000, 'test4')"

run_sql "CREATE TABLE $db.attributes_t1_back (id int PRIMARY KEY, name varchar(50))"
run_sql "INSERT INTO $db.attributes_t1_back SELECT * FROM $db.attributes_t1"
run_sql "TRUNCATE TABLE $db.attributes_t1"
run_sql "INSERT INTO $db.attributes_t1 (id, name) VALUES (3, 'after truncate')"
run_sql "ALTER TABLE $db.attributes_t1 ATTRIBUTES=DEFAULT"
run_sql "RENAME TABLE $db.attributes_t1_back TO $db.attributes_t1_new"
run_sql "UPDATE $db.attributes_t1_new SET name = 'renamed' WHERE id = 1"
run_sql "ALTER TABLE $db.attributes_t2 DROP PARTITION p0"
run_sql "ALTER TABLE $db.attributes_t2 TRUNCATE PARTITION p1"
run_sql "INSERT INTO $db.attributes_t2 (id, name) VALUES (5, 'p1 now'), (30000, 'p1 too')"
run_sql "ALTER TABLE $db.attributes_t2 PARTITION p1 ATTRIBUTES='merge_option=deny'"

check_data "$db"
check_contains "3" "$(down_run_sql "SELECT count(TABLE_NAME) FROM information_schema.TABLES WHERE TABLE_SCHEMA='$db'")"
check_contains "$(printf '5\n30000')" "$(down_run_sql "SELECT id FROM $db.attributes_t2 ORDER BY id")"
run_sql "DROP DATABASE $db"
