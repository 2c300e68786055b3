#!/usr/bin/env bash
# Partitioned tables: rows are written under their partition's ID and the
# drainer maps it back to the table. Range partitions with ADD and DROP
# PARTITION, hash partitions with TRUNCATE PARTITION (new partition IDs) and
# TRUNCATE TABLE, DML into several partitions (an UPDATE moving a row to
# another partition too); the downstream (MariaDB, partitioned alike) ends
# equal, each row in the partition it belongs to.
set -euo pipefail
. "$(dirname "$0")/../_utils/helpers.sh"

db=partition_test
run_sql "CREATE DATABASE $db"

# range partition, ADD PARTITION
run_sql "CREATE TABLE $db.t1 (a int, b varchar(128)) PARTITION BY RANGE (a) (PARTITION p0 VALUES LESS THAN (3), PARTITION p1 VALUES LESS THAN (7))"
run_sql "INSERT INTO $db.t1 (a, b) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')"
run_sql "ALTER TABLE $db.t1 ADD PARTITION (PARTITION p2 VALUES LESS THAN (10))"
run_sql "INSERT INTO $db.t1 (a, b) VALUES (5, 'e'), (6, 'f'), (7, 'g'), (8, 'h')"
run_sql "UPDATE $db.t1 SET a = 9 WHERE a = 1"
run_sql "DELETE FROM $db.t1 WHERE a = 4"
run_sql "BEGIN; INSERT INTO $db.t1 VALUES (0, 'z'); UPDATE $db.t1 SET b = 'gg' WHERE a = 7; DELETE FROM $db.t1 WHERE a = 5; COMMIT"

# hash partition, TRUNCATE PARTITION and TRUNCATE TABLE
run_sql "CREATE TABLE $db.t2 (a int PRIMARY KEY, b varchar(128)) PARTITION BY HASH (a) PARTITIONS 2"
run_sql "INSERT INTO $db.t2 (a, b) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')"
run_sql "ALTER TABLE $db.t2 TRUNCATE PARTITION p1"
run_sql "INSERT INTO $db.t2 (a, b) VALUES (5, 'e'), (6, 'f'), (7, 'g'), (8, 'h')"
run_sql "UPDATE $db.t2 SET b = 'bb' WHERE a = 2"
run_sql "TRUNCATE TABLE $db.t2"
run_sql "INSERT INTO $db.t2 (a, b) VALUES (9, 'i'), (10, 'j'), (-11, 'k')"

# range partition with a primary key, DROP PARTITION
run_sql "CREATE TABLE $db.t3 (id int PRIMARY KEY, v int) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN (20), PARTITION p2 VALUES LESS THAN (MAXVALUE))"
run_sql "INSERT INTO $db.t3 VALUES (5, 5), (15, 15), (25, 25)"
run_sql "ALTER TABLE $db.t3 DROP PARTITION p1"
run_sql "INSERT INTO $db.t3 VALUES (12, 12), (16, 16)"
run_sql "UPDATE $db.t3 SET id = 3 WHERE id = 25"

check_data "$db"
check_contains "$(printf '7\tgg\n8\th\n9\ta')" "$(down_run_sql "SELECT a, b FROM $db.t1 PARTITION (p2) ORDER BY a")"
check_contains "$(printf -- '-11\tk')" "$(down_run_sql "SELECT a, b FROM $db.t2 PARTITION (p1) ORDER BY a")"
check_contains "$(printf 'p0\np2')" "$(down_run_sql "SELECT partition_name FROM information_schema.partitions WHERE table_schema = '$db' AND table_name = 't3' ORDER BY partition_ordinal_position")"
run_sql "DROP DATABASE $db"
