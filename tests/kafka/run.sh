#!/usr/bin/env bash
# tidb-lite -> pump -> drainer (db-type kafka, topic binlog_test_topic, its
# checkpoint in MySQL on the upstream tidb-lite: see kafka-drainer.toml) ->
# kafka-lite (an in-memory broker, tests/kafkalite) -> arbiter -> MariaDB:
# several tables with inserts, updates, deletes and DDLs arrive downstream
# equal.
set -euo pipefail
. "$(dirname "$0")/../_utils/helpers.sh"
. "$(dirname "$0")/../_utils/procs.sh"
# shellcheck source=../_utils/cluster.sh
. "$(dirname "$0")/../_utils/cluster.sh"

DB=kafka_test
BIN=$(cd ../.. && pwd)/bin
cluster_build arbiter # tests/run.sh builds only the binaries of the cluster
KAFKA=127.0.0.1:9092
TOPIC=binlog_test_topic

go build -o "$CLUSTER_DIR/kafka-lite" ../kafkalite
proc_start kafka-lite "$CLUSTER_DIR/kafka-lite" -addr "$KAFKA" -topics "$TOPIC"
wait_for 30 "kafka-lite is ready" grep -q "kafka-lite ready" "$CLUSTER_DIR/kafka-lite.out"

down_run_sql "DROP DATABASE IF EXISTS $DB"
# arbiter keeps its position per topic in MariaDB: start this run's topic
# from the beginning.
ARBITER_CP="information_schema.tables WHERE table_schema = 'tidb_binlog' AND table_name = 'arbiter_checkpoint'"
if [ -n "$(down_run_sql "SELECT 1 FROM $ARBITER_CP")" ]; then
	down_run_sql "DELETE FROM tidb_binlog.arbiter_checkpoint WHERE topic_name = '$TOPIC'"
fi
proc_start drainer "$BIN/drainer" -config kafka-drainer.toml -addr 127.0.0.1:8249 -pd-urls http://127.0.0.1:2379 \
	-data-dir "$CLUSTER_DIR/drainer" -log-file "$CLUSTER_DIR/drainer.log"
wait_http 30 http://127.0.0.1:8249/status
proc_start arbiter "$BIN/arbiter" -config arbiter.toml -log-file "$CLUSTER_DIR/arbiter.log"

run_sql "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB"
run_sql "CREATE TABLE $DB.t (id int PRIMARY KEY, v varchar(32), n bigint, d decimal(12,3), at datetime)"
run_sql "CREATE TABLE $DB.auto (id bigint AUTO_INCREMENT PRIMARY KEY, k int, UNIQUE KEY uk (k))"
for i in $(seq 0 19); do
	vals=""
	for j in 0 1 2 3 4; do
		id=$((i * 5 + j))
		vals+="${vals:+, }($id, 'v$id', $((id * id)), $id.125, '2026-03-0$((id % 9 + 1)) 0$((id % 10)):00:00')"
	done
	run_sql "INSERT INTO $DB.t VALUES $vals; INSERT INTO $DB.auto (k) VALUES ($i), ($((i + 100)))"
done
run_sql "UPDATE $DB.t SET v = 'changed', n = NULL WHERE id < 10"
run_sql "DELETE FROM $DB.t WHERE id >= 90"
run_sql "ALTER TABLE $DB.t ADD COLUMN extra varchar(8) DEFAULT 'x'"
run_sql "INSERT INTO $DB.t (id, v, n) VALUES (1000, NULL, -1)"
run_sql "BEGIN; UPDATE $DB.auto SET k = k + 1000 WHERE k >= 100; DELETE FROM $DB.auto WHERE k < 5; COMMIT"
run_sql "CREATE TABLE $DB.late (id int PRIMARY KEY); INSERT INTO $DB.late VALUES (1), (2), (3)"

check_data $DB
# What arrived came through the topic: arbiter recorded its position.
arbiter_saved() {
	[ -n "$(down_run_sql "SELECT ts FROM tidb_binlog.arbiter_checkpoint WHERE topic_name = '$TOPIC' AND ts > 0" 2>/dev/null)" ]
}
wait_for 30 "arbiter saves its checkpoint of $TOPIC" arbiter_saved
# The drainer keeps its checkpoint upstream, not in a file.
drainer_saved() {
	[ -n "$(run_sql "SELECT checkPoint FROM tidb_binlog.checkpoint" 2>/dev/null)" ]
}
wait_for 30 "the drainer saves its checkpoint on tidb-lite" drainer_saved
if [ -e "$CLUSTER_DIR/drainer/savepoint" ]; then
	echo "the drainer wrote a file checkpoint: $CLUSTER_DIR/drainer/savepoint" >&2
	exit 1
fi
for p in kafka-lite drainer arbiter; do
	proc_alive $p || { echo "$p exited; see $CLUSTER_DIR/$p.out" >&2; exit 1; }
done
# The database is not dropped upstream: tidb-lite keeps it only until the
# cluster stops, and the next fresh start drops it downstream.
