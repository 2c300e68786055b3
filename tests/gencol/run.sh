#!/usr/bin/env bash
# INSERT, UPDATE and DELETE on tables with VIRTUAL and STORED generated
# columns replicate (the drainer writes only the writable columns).
set -euo pipefail
. "$(dirname "$0")/../_utils/helpers.sh"

run_sql "DROP DATABASE IF EXISTS gencol; CREATE DATABASE gencol"
run_sql "CREATE TABLE gencol.vt (a int PRIMARY KEY, b int, c int AS (a + b) VIRTUAL)"
run_sql "CREATE TABLE gencol.st (a int PRIMARY KEY, b varchar(20), c varchar(40) AS (concat(b, '-', a)) STORED)"
for i in $(seq 1 20); do
	run_sql "INSERT INTO gencol.vt (a, b) VALUES ($i, $((i * 10)))"
	run_sql "INSERT INTO gencol.st (a, b) VALUES ($i, 'v$i')"
done
run_sql "UPDATE gencol.vt SET b = b + 1 WHERE a % 3 = 0"
run_sql "UPDATE gencol.st SET b = 'u' WHERE a % 4 = 0"
run_sql "DELETE FROM gencol.vt WHERE a % 5 = 0"
run_sql "DELETE FROM gencol.st WHERE a > 15"
check_data gencol
check_contains "34" "$(down_run_sql "SELECT c FROM gencol.vt WHERE a = 3")" # 3 + (30 + 1)
run_sql "DROP DATABASE gencol"
