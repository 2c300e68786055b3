#!/usr/bin/env bash
# The integration test cluster, as the original's tests/run.sh:
#
#   tests/run.sh --debug      start the cluster and wait: pd-lite on 2379,
#                             tidb-lite on 4000/4001 (status 10080/10081),
#                             pump on 8250, drainer on 8249 into MariaDB on
#                             3306; ENTER or Ctrl-C stops everything
#   tests/run.sh [case...]    run the cases (tests/<case>/run.sh; all when
#                             none is named), each on a fresh cluster; a
#                             case folder's drainer.toml configures its
#                             drainer, a no-drainer file leaves it to the case
#
# Data and logs go to $OUT_DIR (default /tmp/tidb_binlog_test); the logs of a
# failed case stay in $OUT_DIR/<case>. The start and stop logic is shared
# with scripts/playground.sh (tests/_utils/cluster.sh).
set -euo pipefail
# shellcheck source=_utils/cluster.sh
. "$(dirname "$0")/_utils/cluster.sh"
OUT_DIR=${OUT_DIR:-/tmp/tidb_binlog_test}

debug() {
	cluster_init "$OUT_DIR"
	cluster_build
	cluster_check_ports
	trap 'cluster_down; echo "cluster stopped; data and logs are in $CLUSTER_DIR"' EXIT
	trap 'exit 130' INT TERM
	cluster_fresh
	cluster_log "starting the cluster; data and logs in $CLUSTER_DIR"
	cluster_up
	trap - INT TERM
	cluster_howto
	echo
	cluster_wait_user "You may now debug from another terminal. Press [ENTER] to continue."
}

# run_case <name>: one case on a fresh cluster; its logs stay when it fails.
run_case() {
	local name=$1 t0 st=0
	cluster_init "$OUT_DIR/$name"
	cluster_fresh
	t0=$(date +%s)
	cluster_log "case $name: starting the cluster"
	# A case folder may hold a drainer.toml (the drainer then reads it) or a
	# file named no-drainer (the case starts its own drainer).
	local upargs=()
	CLUSTER_DRAINER_CONFIG=""
	[ -f "$CLUSTER_ROOT/tests/$name/drainer.toml" ] && CLUSTER_DRAINER_CONFIG="$CLUSTER_ROOT/tests/$name/drainer.toml"
	[ -f "$CLUSTER_ROOT/tests/$name/no-drainer" ] && upargs=(--no-drainer)
	if cluster_up "${upargs[@]}"; then
		(cd "$CLUSTER_ROOT/tests/$name" && CLUSTER_DIR=$CLUSTER_DIR OUT_DIR=$CLUSTER_DIR bash ./run.sh) || st=$?
	else
		st=1
	fi
	cluster_down
	if [ $st = 0 ]; then
		cluster_log "case $name: PASS in $(($(date +%s) - t0)) s"
		rm -rf "${CLUSTER_DIR:?}"
	else
		cluster_log "case $name: FAIL (status $st) in $(($(date +%s) - t0)) s; logs in $CLUSTER_DIR" >&2
	fi
	return $st
}

cases() {
	local c all=() failed=()
	if [ $# -gt 0 ]; then
		all=("$@")
	else
		for c in "$CLUSTER_ROOT"/tests/*/run.sh; do
			[ -e "$c" ] || continue
			c=$(basename "$(dirname "$c")")
			[[ $c == _* ]] || all+=("$c")
		done
	fi
	if [ ${#all[@]} -eq 0 ]; then
		echo "error: no test case folders (tests/<case>/run.sh) exist yet" >&2
		return 1
	fi
	for c in "${all[@]}"; do
		if [ ! -f "$CLUSTER_ROOT/tests/$c/run.sh" ]; then
			echo "error: case $c has no tests/$c/run.sh" >&2
			failed+=("$c")
		fi
	done
	[ ${#failed[@]} -eq 0 ] || return 1
	mkdir -p "$OUT_DIR"
	cluster_build
	cluster_check_ports
	trap 'cluster_down' EXIT
	trap 'exit 130' INT TERM
	for c in "${all[@]}"; do
		run_case "$c" || failed+=("$c")
	done
	local npass=$((${#all[@]} - ${#failed[@]}))
	if [ ${#failed[@]} -gt 0 ]; then
		echo "failed cases: ${failed[*]} (logs in $OUT_DIR/<case>)" >&2
		echo "cases: $npass passed, ${#failed[@]} failed"
		return 1
	fi
	cluster_log "all ${#all[@]} cases passed"
	echo "cases: $npass passed, 0 failed"
}

case "${1:-}" in
--debug) debug ;;
-h | --help) sed -n '2,16p' "$0" ;;
*) cases "$@" ;;
esac
