#!/usr/bin/env bash
# A second pump on 8251 joins (it notifies the drainer); while a background
# loop inserts rows one statement at a time, pump 8250 and then pump 8251 are
# stopped with SIGTERM and started again. tidb-lite stays up, every insert
# either succeeds or fails with an error (and then leaves no row), and the
# downstream ends equal. Then `binlogctl -cmd offline-pump` takes pump 8251
# offline: its state becomes offline and the process exits.
set -euo pipefail
. "$(dirname "$0")/../_utils/helpers.sh"
. "$(dirname "$0")/../_utils/procs.sh"

DB=restart_test
BIN=$(cd ../.. && pwd)/bin
PD=http://127.0.0.1:2379
LOOP_OUT=$CLUSTER_DIR/insert-loop.out
STOP=$CLUSTER_DIR/insert-loop.stop

ctl() { "$BIN/binlogctl" -pd-urls "$PD" "$@"; }
PUMP_8250=(-addr 127.0.0.1:8250 -pd-urls "$PD" -data-dir "$CLUSTER_DIR/pump" -log-file "$CLUSTER_DIR/pump-8250.log")
PUMP_8251=(-addr 127.0.0.1:8251 -pd-urls "$PD" -data-dir "$CLUSTER_DIR/pump-8251" -log-file "$CLUSTER_DIR/pump-8251.log")
ok_count() { grep -c '^ok ' "$LOOP_OUT" || true; }
# inserts_grow <n>: waits until n more inserts succeeded.
inserts_grow() {
	want=$(($(ok_count) + $1))
	wait_for 60 "$1 more inserts succeed" inserts_reached
}
inserts_reached() { [ "$(ok_count)" -ge "$want" ]; }

tidb_alive() {
	cluster_daemon_pid 4000 "$CLUSTER_DIR/tidb-lite-4000.log" >/dev/null && run_sql "SELECT 1" >/dev/null
}
# pump_state_is <addr> <state>
pump_state_is() { ctl -cmd pumps -show-offline-nodes | grep -F "Addr: $1," | grep -qF "State: $2,"; }

down_run_sql "DROP DATABASE IF EXISTS $DB"
run_sql "CREATE DATABASE $DB; CREATE TABLE $DB.t (id int PRIMARY KEY, v varchar(16), at datetime)"

proc_start pump-8251 "$BIN/pump" "${PUMP_8251[@]}"
wait_http 30 http://127.0.0.1:8251/status
wait_for 30 "pump 8251 is online" pump_state_is 127.0.0.1:8251 online
id8251=$(ctl -cmd pumps | grep -F "Addr: 127.0.0.1:8251," | grep -o 'NodeID: [^,]*' | cut -d' ' -f2)
echo "second pump: $id8251"

rm -f "$STOP"
proc_start insert-loop ./insert_loop.sh "$DB.t" "$STOP"
inserts_grow 20

# Pump 8250 (the cluster's): SIGTERM; inserts go on through 8251; start it again.
pid=$(cluster_daemon_pid 8250 "$CLUSTER_DIR/pump")
kill -TERM "$pid"
wait_for 60 "pump 8250 exits after SIGTERM" pid_gone "$pid"
proc_log "pump 8250 stopped"
inserts_grow 10
proc_start pump-8250 "$BIN/pump" "${PUMP_8250[@]}"
wait_http 30 http://127.0.0.1:8250/status
wait_for 30 "pump 8250 is online again" pump_state_is 127.0.0.1:8250 online
inserts_grow 20
tidb_alive

# Pump 8251: the same.
proc_stop pump-8251
inserts_grow 10
proc_start pump-8251 "$BIN/pump" "${PUMP_8251[@]}"
wait_http 30 http://127.0.0.1:8251/status
wait_for 30 "pump 8251 is online again" pump_state_is 127.0.0.1:8251 online
inserts_grow 20
tidb_alive

touch "$STOP"
proc_wait_exit insert-loop 60
tail -1 "$LOOP_OUT"
fails=$(grep -c '^fail ' "$LOOP_OUT" || true)
echo "inserts: $(ok_count) succeeded, $fails failed"
grep '^fail ' "$LOOP_OUT" | head -5 || true
# Exactly the rows whose insert succeeded exist upstream.
diff <(grep '^ok ' "$LOOP_OUT" | cut -d' ' -f2 | sort -n) <(run_sql "SELECT id FROM $DB.t ORDER BY id")
check_data $DB

# offline-pump 8251: offline once the drainer passed its last binlog, then it exits.
check_contains "success" "$(ctl -cmd offline-pump -node-id "$id8251")"
wait_for 60 "pump 8251 is offline" pump_state_is 127.0.0.1:8251 offline
proc_wait_exit pump-8251 60
run_sql "INSERT INTO $DB.t VALUES (0, 'after', NOW())"
check_data $DB
tidb_alive
# The database is not dropped upstream: tidb-lite keeps it only until the
# cluster stops, and the next fresh start drops it downstream.
