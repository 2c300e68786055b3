#!/usr/bin/env bash
# CREATE / ALTER / DROP PLACEMENT POLICY are not replicated; the data is.
set -euo pipefail
. "$(dirname "$0")/../_utils/helpers.sh"

run_sql "DROP DATABASE IF EXISTS placement_test; CREATE DATABASE placement_test"
run_sql "CREATE PLACEMENT POLICY x1 FOLLOWERS=4"
run_sql "CREATE TABLE placement_test.t (id int PRIMARY KEY, v int)"
run_sql "INSERT INTO placement_test.t VALUES (1, 1), (2, 2)"
run_sql "ALTER PLACEMENT POLICY x1 FOLLOWERS=2"
run_sql "UPDATE placement_test.t SET v = 3 WHERE id = 2"
run_sql "DROP PLACEMENT POLICY x1"
check_data placement_test
run_sql "DROP DATABASE placement_test"
