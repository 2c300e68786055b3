#!/usr/bin/env bash
# The drainer writes binlog files (db-type file, drainer.toml); data is
# generated on several tables (inserts, updates, deletes, DDLs), and once the
# drainer's checkpoint passed the last commit, reparo (dest-type mysql,
# reparo.toml) restores the files into MariaDB, which must then hold the
# upstream's tables.
set -euo pipefail
. "$(dirname "$0")/../_utils/helpers.sh"
. "$(dirname "$0")/../_utils/procs.sh"
# shellcheck source=../_utils/cluster.sh
. "$(dirname "$0")/../_utils/cluster.sh"

DB=reparo_test
BIN=$(cd ../.. && pwd)/bin
cluster_build reparo # tests/run.sh builds only the binaries of the cluster

down_run_sql "DROP DATABASE IF EXISTS $DB"
run_sql "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB"
run_sql "CREATE TABLE $DB.items (id int PRIMARY KEY, name varchar(32), price decimal(10,2), note text, qty bigint)"
run_sql "CREATE TABLE $DB.events (id bigint AUTO_INCREMENT PRIMARY KEY, kind varchar(16), at datetime, score double)"
run_sql "CREATE TABLE $DB.kv (k varchar(20) PRIMARY KEY, v int, UNIQUE KEY uv (v))"
run_sql "CREATE TABLE $DB.gone (id int PRIMARY KEY)"
run_sql "INSERT INTO $DB.gone VALUES (1), (2)"
for i in $(seq 1 30); do
	run_sql "INSERT INTO $DB.items VALUES ($i, 'item$i', $i.25, $([ $((i % 4)) = 0 ] && echo NULL || echo "'n$i'"), $((i * i)));
		INSERT INTO $DB.events (kind, at, score) VALUES ('k$((i % 3))', '2026-01-0$((i % 9 + 1)) 10:$((i + 10)):00', $i.5);
		INSERT INTO $DB.kv VALUES ('key$i', $i)"
done
run_sql "UPDATE $DB.items SET price = price * 2, note = 'doubled' WHERE id % 3 = 0"
run_sql "DELETE FROM $DB.items WHERE id > 25"
run_sql "ALTER TABLE $DB.items ADD COLUMN tag varchar(10) DEFAULT 'none'"
run_sql "INSERT INTO $DB.items (id, name, price, qty, tag) VALUES (100, 'late', 0.99, -1, 'new')"
run_sql "UPDATE $DB.items SET tag = 'odd' WHERE id % 2 = 1 AND id < 10"
run_sql "BEGIN; UPDATE $DB.kv SET v = v + 1000 WHERE v > 20; DELETE FROM $DB.kv WHERE v < 5; COMMIT"
run_sql "DELETE FROM $DB.events WHERE kind = 'k1'"
run_sql "DROP TABLE $DB.gone"
run_sql "CREATE TABLE $DB.after_ddl (id int PRIMARY KEY, v varchar(8)); INSERT INTO $DB.after_ddl VALUES (1, 'x'), (2, 'y')"

# A TSO taken now is above every commit ts so far: wait until the drainer's
# checkpoint (saved after the files are written) reaches it.
last=$(curl -fsS http://127.0.0.1:8250/status | json_field CommitTS)
[ -n "$last" ] || { echo "no TSO from the pump's /status" >&2; exit 1; }
drainer_passed() {
	local cp
	cp=$(curl -fsS --max-time 2 http://127.0.0.1:8249/commit_ts | json_field ts) && [ "${cp:-0}" -ge "$last" ]
}
wait_for 60 "the drainer's checkpoint passes $last" drainer_passed
echo "drainer checkpoint passed ts $last; binlog files: $(find "$CLUSTER_DIR/drainer" -name 'binlog-*' | wc -l)"

"$BIN/reparo" -config reparo.toml -data-dir "$CLUSTER_DIR/drainer" -log-file "$CLUSTER_DIR/reparo.log"
CHECK_WAIT=0 check_data $DB
check_contains "none" "$(down_run_sql "SELECT tag FROM $DB.items WHERE id = 2")"
[ -z "$(down_run_sql "SHOW TABLES FROM $DB LIKE 'gone'")" ]
# The database is not dropped upstream: tidb-lite keeps it only until the
# cluster stops, and the next fresh start drops it downstream.
