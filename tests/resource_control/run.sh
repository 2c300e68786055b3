#!/usr/bin/env bash
# CREATE / ALTER / DROP RESOURCE GROUP are written as DDL binlogs of their
# job types; the drainer skips them and keeps replicating.
set -euo pipefail
. "$(dirname "$0")/../_utils/helpers.sh"

run_sql "DROP DATABASE IF EXISTS resource_control; CREATE DATABASE resource_control"
run_sql "CREATE TABLE resource_control.t (id int PRIMARY KEY)"
run_sql "CREATE RESOURCE GROUP rg1 RU_PER_SEC = 1000"
run_sql "INSERT INTO resource_control.t VALUES (1)"
run_sql "ALTER RESOURCE GROUP rg1 RU_PER_SEC = 2000 BURSTABLE"
run_sql "INSERT INTO resource_control.t VALUES (2)"
run_sql "DROP RESOURCE GROUP rg1"
run_sql "INSERT INTO resource_control.t VALUES (3)"
check_data resource_control
curl -fsS http://127.0.0.1:8249/status | grep -q '"Synced"' # the drainer is still up
run_sql "DROP DATABASE resource_control"
