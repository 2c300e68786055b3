#!/usr/bin/env bash
# Every state transition of a pump and a drainer, through binlogctl and the
# nodes' HTTP APIs: both online; pause-drainer -> paused (the drainer exits)
# and back online; pause-pump -> paused (the pump exits) and back online;
# offline-drainer -> offline; offline-pump -> offline; then update-drainer
# -state online with no drainer running, and a pump started again cannot
# Notify it: it stays offline and exits (SPEC 10.3 and 12.6). Each state is
# read from binlogctl and, while a node serves, from the pump's /status
# (every pump) and /drainers (every drainer).
set -euo pipefail
. "$(dirname "$0")/../_utils/helpers.sh"
. "$(dirname "$0")/../_utils/procs.sh"

DB=status_test
BIN=$(cd ../.. && pwd)/bin
PD=http://127.0.0.1:2379
PUMP_ARGS=(-addr 127.0.0.1:8250 -pd-urls "$PD" -data-dir "$CLUSTER_DIR/pump")
DRAINER_ARGS=(-addr 127.0.0.1:8249 -pd-urls "$PD" -data-dir "$CLUSTER_DIR/drainer" -dest-db-type mysql)

ctl() { "$BIN/binlogctl" -pd-urls "$PD" "$@"; }

# node_line <pump|drainer> <node-id>: binlogctl's line of the node.
node_line() { ctl -cmd "$1s" -show-offline-nodes | grep -F "NodeID: $2," || true; }

# ctl_state_is <pump|drainer> <node-id> <state>
ctl_state_is() { grep -qF "State: $3," <<<"$(node_line "$1" "$2")"; }

# http_state_is <pump|drainer> <node-id> <state>: the state in the JSON of a
# serving pump: /status lists the pumps, /drainers the drainers.
http_state_is() {
	local path=status
	[ "$1" = drainer ] && path=drainers
	curl -fsS --max-time 2 "http://127.0.0.1:8250/$path" | tr -d ' \n' |
		grep -qF "\"nodeId\":\"$2\",\"host\":\"127.0.0.1:$([ "$1" = pump ] && echo 8250 || echo 8249)\",\"state\":\"$3\""
}

# expect <pump|drainer> <node-id> <state> [http]: binlogctl (and the HTTP
# API) show the state; the final state is written as the node exits, so poll.
expect() {
	wait_for 30 "binlogctl shows $1 $2 $3" ctl_state_is "$1" "$2" "$3"
	[ "${4:-}" != http ] || wait_for 30 "/$1 shows $1 $2 $3" http_state_is "$1" "$2" "$3"
	echo "$1 $2: $3 ($([ "${4:-}" = http ] && echo "binlogctl and HTTP" || echo binlogctl))"
}

# wait_gone <pid> <what>: a cluster daemon (not our child) exited by itself.
wait_gone() { wait_for 60 "$2 exits" pid_gone "$1"; }

write_rows() { # from to
	local i
	for i in $(seq "$1" "$2"); do run_sql "INSERT INTO $DB.t VALUES ($i, 'r$i')"; done
}

down_run_sql "DROP DATABASE IF EXISTS $DB"
run_sql "CREATE DATABASE $DB; CREATE TABLE $DB.t (id int PRIMARY KEY, v varchar(16))"
write_rows 1 10
check_data $DB

pump_id=$(ctl -cmd pumps | grep -o 'NodeID: [^,]*' | head -1 | cut -d' ' -f2)
drainer_id=$(ctl -cmd drainers | grep -o 'NodeID: [^,]*' | head -1 | cut -d' ' -f2)
if [ -z "$pump_id" ] || [ -z "$drainer_id" ]; then
	echo "binlogctl lists no pump or no drainer" >&2
	exit 1
fi
echo "pump $pump_id, drainer $drainer_id"
expect pump "$pump_id" online http
expect drainer "$drainer_id" online http
curl -fsS http://127.0.0.1:8249/status | grep -qF "\"$pump_id\"" # the drainer pulls the pump

# pause-drainer: paused, the drainer exits; started again it is online.
pid=$(cluster_daemon_pid 8249 "$CLUSTER_DIR/drainer")
check_contains "success" "$(ctl -cmd pause-drainer -node-id "$drainer_id")"
wait_gone "$pid" "the paused drainer"
expect drainer "$drainer_id" paused http
proc_start drainer "$BIN/drainer" "${DRAINER_ARGS[@]}" -log-file "$CLUSTER_DIR/drainer-2.log"
wait_http 30 http://127.0.0.1:8249/status
expect drainer "$drainer_id" online http

# pause-pump: paused, the pump exits; started again it is online and
# replicates what is written from then on.
pid=$(cluster_daemon_pid 8250 "$CLUSTER_DIR/pump")
check_contains "success" "$(ctl -cmd pause-pump -node-id "$pump_id")"
wait_gone "$pid" "the paused pump"
expect pump "$pump_id" paused
proc_start pump "$BIN/pump" "${PUMP_ARGS[@]}" -log-file "$CLUSTER_DIR/pump-2.log"
wait_http 30 http://127.0.0.1:8250/status
expect pump "$pump_id" online http
write_rows 11 20
check_data $DB

# The HTTP action API refuses an unknown action and another node's ID.
check_contains '"code":3' "$(curl -fsS -X PUT "http://127.0.0.1:8250/state/$pump_id/bogus")"
check_contains '"code":3' "$(curl -fsS -X PUT "http://127.0.0.1:8250/state/not-$pump_id/pause")"

# offline-drainer, then offline-pump (no drainer left to wait for).
check_contains "success" "$(ctl -cmd offline-drainer -node-id "$drainer_id")"
proc_wait_exit drainer 60
expect drainer "$drainer_id" offline http
if ctl -cmd drainers | grep -qF "NodeID: $drainer_id,"; then
	echo "binlogctl lists an offline drainer without -show-offline-nodes" >&2
	exit 1
fi
check_contains "success" "$(ctl -cmd offline-pump -node-id "$pump_id")"
proc_wait_exit pump 60
expect pump "$pump_id" offline

# update-drainer -state online with no drainer running: the offline pump
# started again must Notify it, fails, records offline and exits non-zero.
ctl -cmd update-drainer -node-id "$drainer_id" -state online
expect drainer "$drainer_id" online
proc_start pump-notify "$BIN/pump" "${PUMP_ARGS[@]}" -log-file "$CLUSTER_DIR/pump-notify.log"
st=0
proc_wait_exit pump-notify 60 || st=$?
if [ $st = 0 ] || [ $st = 124 ]; then
	echo "the pump should have exited with an error (status $st)" >&2
	exit 1
fi
check_contains "notify all online drainers" "$(cat "$CLUSTER_DIR/pump-notify.out" "$CLUSTER_DIR/pump-notify.log")"
expect pump "$pump_id" offline
echo "the pump could not notify drainer $drainer_id: exited with status $st and stays offline"

# No pump is online now, so tidb-lite refuses writes (the database is left
# to the next fresh start); what was replicated is still equal.
check_contains "write binlog failed" "$(run_sql "INSERT INTO $DB.t VALUES (0, 'refused')" 2>&1 || true)"
[ -z "$(run_sql "SELECT id FROM $DB.t WHERE id = 0")" ]
check_data $DB
