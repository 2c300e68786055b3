#!/usr/bin/env bash
# Runs the local playground from the binaries in bin/: pd-lite (PD stand-in,
# 127.0.0.1:2379), two tidb-lite (MySQL on 4000 and 4001, status 10080 and
# 10081), a pump on 8250 and, once it exists, a drainer on 8249 replicating to
# MariaDB on 127.0.0.1:3306. Data and logs go to ./playground. Ctrl-C stops all.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/bin"
dir="${PLAYGROUND_DIR:-$root/playground}"
mkdir -p "$dir"
pids=()
cleanup() {
	trap - EXIT INT TERM
	# Stop in reverse order, each one fully, so the daemons can still record
	# their state in PD's etcd while they close.
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null || continue
		for _ in $(seq 1 150); do
			kill -0 "${pids[i]}" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "${pids[i]}" 2>/dev/null || true
	done
	echo "playground stopped; data and logs are in $dir"
}
trap cleanup EXIT
trap 'cleanup; exit 0' INT TERM

start() { # name, then the command line
	local name=$1
	shift
	"$@" >"$dir/$name.out" 2>&1 &
	pids+=($!)
	echo "started $name (pid $!, log $dir/$name.out)"
}
wait_http() { # url
	for _ in $(seq 1 100); do
		curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	echo "playground: $1 did not answer; see the logs in $dir" >&2
	return 1
}

pd=http://127.0.0.1:2379
start pd-lite "$bin/pd-lite" -client-urls "$pd" -peer-urls http://127.0.0.1:2380 -data-dir "$dir/pd" -log-file "$dir/pd-lite.log"
wait_http "$pd/health"

start pump "$bin/pump" -addr 127.0.0.1:8250 -pd-urls "$pd" -data-dir "$dir/pump" -log-file "$dir/pump.log"
wait_http http://127.0.0.1:8250/status

if [ -x "$bin/tidb-lite" ]; then
	start tidb-lite-4000 "$bin/tidb-lite" -P 4000 -status 10080 -path 127.0.0.1:2379 -enable-binlog -L info
	start tidb-lite-4001 "$bin/tidb-lite" -P 4001 -status 10081 -path 127.0.0.1:2379 -enable-binlog -L info
	wait_http http://127.0.0.1:10080/status
	wait_http http://127.0.0.1:10081/status
fi

if [ -x "$bin/drainer" ]; then
	dest="-dest-db-type file"
	if mariadb-admin --no-defaults -h127.0.0.1 -P3306 -uroot ping >/dev/null 2>&1; then
		dest="-dest-db-type mysql"
	fi
	# shellcheck disable=SC2086
	start drainer "$bin/drainer" -addr 127.0.0.1:8249 -pd-urls "$pd" -data-dir "$dir/drainer" $dest -log-file "$dir/drainer.log"
fi

cat <<MSG

The playground is up:
  PD / etcd      $pd
  pump           127.0.0.1:8250  (curl http://127.0.0.1:8250/status)
  binlogctl      $bin/binlogctl -cmd pumps -pd-urls $pd
MSG
[ -x "$bin/tidb-lite" ] && echo "  tidb-lite      mysql -h127.0.0.1 -P4000 -uroot   (and -P4001)"
[ -x "$bin/drainer" ] && echo "  drainer        127.0.0.1:8249 -> MariaDB 127.0.0.1:3306 (or files in $dir/drainer)"
echo
echo "Press Ctrl-C to stop."
wait -n "${pids[@]}" || true
echo "playground: a process exited; see the logs in $dir" >&2
