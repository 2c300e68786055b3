# shellcheck shell=bash
# The local test cluster, shared by scripts/playground.sh and tests/run.sh:
# build what changed, check the ports, start pd-lite, pump, two tidb-lite and
# the drainer (into MariaDB), watch them and stop them in dependency order.
#
# Source it, then call cluster_init <dir> once. Every daemon runs in its own
# session (setsid), so Ctrl-C in the terminal reaches only the calling script,
# which then stops the daemons one tier at a time: drainer, tidb-lite, pump,
# pd-lite, each with a bounded wait. A daemon that exits (binlogctl
# pause-pump, offline-pump, a crash) is reported and the others keep running.

CLUSTER_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CLUSTER_BIN="$CLUSTER_ROOT/bin"
CLUSTER_PD=http://127.0.0.1:2379
# Every binary the cluster and binlogctl need.
CLUSTER_BINARIES=(pd-lite pump tidb-lite drainer binlogctl)
# Ports of the cluster's daemons (3306 is MariaDB's and may be taken).
CLUSTER_PORTS=(2379 2380 8250 4000 4001 10080 10081 8249)
# Seconds each tier gets to stop after SIGTERM before SIGKILL.
CLUSTER_STOP_WAIT=${CLUSTER_STOP_WAIT:-10}

cluster_names=()
cluster_pids=()
cluster_cmds=()
cluster_gone=()
cluster_stopping=0

cluster_log() { echo "[$(date '+%H:%M:%S')] $*"; }

# cluster_init <dir>: the folder of every daemon's data and logs.
cluster_init() {
	CLUSTER_DIR=$1
	mkdir -p "$CLUSTER_DIR"
}

# cluster_ldflags: the version variables, as the Makefile sets them.
cluster_ldflags() {
	local pkg=github.com/openbinlog/tidb-binlog/pkg/version
	local rel hash branch
	rel=$(git -C "$CLUSTER_ROOT" describe --tags --dirty --always 2>/dev/null || echo None)
	hash=$(git -C "$CLUSTER_ROOT" rev-parse HEAD 2>/dev/null || echo None)
	branch=$(git -C "$CLUSTER_ROOT" rev-parse --abbrev-ref HEAD 2>/dev/null || echo None)
	printf "%s" "-X '$pkg.ReleaseVersion=$rel' -X '$pkg.GitHash=$hash' -X '$pkg.GitBranch=$branch' -X '$pkg.BuildTS=$(date -u '+%Y-%m-%d %H:%M:%S')'"
}

# cluster_stale <binary>: true when bin/<binary> is missing or older than a
# source file of a package it is built from (or go.mod / go.sum).
cluster_stale() {
	local out="$CLUSTER_BIN/$1" dirs
	[ -x "$out" ] || return 0
	if [ "$CLUSTER_ROOT/go.mod" -nt "$out" ] || [ "$CLUSTER_ROOT/go.sum" -nt "$out" ]; then
		return 0
	fi
	dirs=$(cd "$CLUSTER_ROOT" && go list -deps -f '{{if not .Standard}}{{.Dir}}{{end}}' "./cmd/$1" | grep "^$CLUSTER_ROOT/") || return 0
	# shellcheck disable=SC2086 # one directory per word
	[ -n "$(find $dirs -maxdepth 1 -type f ! -name '*_test.go' -newer "$out" -print -quit)" ]
}

# cluster_build [binary...]: builds the binaries whose sources changed, one
# at a time, saying which and how long each took.
cluster_build() {
	local b t0 stale=() ok=()
	[ $# -gt 0 ] || set -- "${CLUSTER_BINARIES[@]}"
	cluster_log "checking which binaries need a build ($*)"
	for b in "$@"; do
		if cluster_stale "$b"; then stale+=("$b"); else ok+=("$b"); fi
	done
	[ ${#ok[@]} -eq 0 ] || cluster_log "up to date: ${ok[*]}"
	[ ${#stale[@]} -gt 0 ] || return 0
	mkdir -p "$CLUSTER_BIN"
	for b in "${stale[@]}"; do
		t0=$(date +%s)
		cluster_log "building $b (the first build also compiles the dependencies: a few minutes)"
		if ! (cd "$CLUSTER_ROOT" && CGO_ENABLED=1 go build -ldflags "$(cluster_ldflags)" -o "bin/$b" "./cmd/$b"); then
			cluster_log "build of $b failed" >&2
			return 1
		fi
		cluster_log "built bin/$b in $(($(date +%s) - t0)) s"
	done
}

# cluster_port_owner <port>: the process listening on a TCP port, if known.
cluster_port_owner() {
	local line
	line=$(ss -Hltnp "sport = :$1" 2>/dev/null | head -1)
	[ -n "$line" ] || return 1
	if [[ $line =~ users:\(\(\"([^\"]+)\",pid=([0-9]+) ]]; then
		echo "${BASH_REMATCH[1]} (pid ${BASH_REMATCH[2]}, user $(ps -o user= -p "${BASH_REMATCH[2]}" 2>/dev/null || echo '?'))"
	else
		echo "an unknown process"
	fi
}

# cluster_check_ports [port...]: fails, naming the port and its owner, when
# one is already taken.
cluster_check_ports() {
	local p owner bad=0
	[ $# -gt 0 ] || set -- "${CLUSTER_PORTS[@]}"
	for p in "$@"; do
		if owner=$(cluster_port_owner "$p"); then
			echo "error: port $p is already in use by $owner; stop it or free the port first" >&2
			bad=1
		fi
	done
	return $bad
}

# cluster_start <name> <command...>: starts a daemon in its own session.
cluster_start() {
	local name=$1
	shift
	setsid "$@" >"$CLUSTER_DIR/$name.out" 2>&1 </dev/null &
	cluster_names+=("$name")
	cluster_pids+=($!)
	cluster_cmds+=("$*")
	cluster_gone+=(0)
	cluster_log "started $name (pid $!, output $CLUSTER_DIR/$name.out)"
}

# cluster_wait_http <name> <url>: waits until a daemon answers.
cluster_wait_http() {
	local i
	for i in $(seq 1 150); do
		if curl -fsS -o /dev/null --max-time 1 "$2" 2>/dev/null; then
			cluster_log "$1 is up ($2 answered after $((i / 5)) s)"
			return 0
		fi
		cluster_alive "$1" || break
		sleep 0.2
	done
	echo "error: $1 did not come up ($2); see $CLUSTER_DIR/$1.out and $CLUSTER_DIR/$1.log" >&2
	return 1
}

# cluster_pid <name>: the pid of a started daemon.
cluster_pid() {
	local i
	for i in "${!cluster_names[@]}"; do
		[ "${cluster_names[i]}" = "$1" ] && echo "${cluster_pids[i]}" && return 0
	done
	return 1
}

cluster_alive() {
	local pid
	pid=$(cluster_pid "$1") && kill -0 "$pid" 2>/dev/null
}

# cluster_up [--no-drainer]: MariaDB, then pd-lite, pump, tidb-lite on 4000
# and 4001, the drainer into MariaDB.
cluster_up() {
	local d=$CLUSTER_DIR
	cluster_start pd-lite "$CLUSTER_BIN/pd-lite" -client-urls "$CLUSTER_PD" -peer-urls http://127.0.0.1:2380 \
		-data-dir "$d/pd" -log-file "$d/pd-lite.log" || return 1
	cluster_wait_http pd-lite "$CLUSTER_PD/health" || return 1
	cluster_start pump "$CLUSTER_BIN/pump" -addr 127.0.0.1:8250 -pd-urls "$CLUSTER_PD" -data-dir "$d/pump" \
		-log-file "$d/pump.log" || return 1
	cluster_wait_http pump http://127.0.0.1:8250/status || return 1
	cluster_start tidb-lite-4000 "$CLUSTER_BIN/tidb-lite" -P 4000 -status 10080 -path 127.0.0.1:2379 \
		-enable-binlog -log-file "$d/tidb-lite-4000.log" || return 1
	cluster_start tidb-lite-4001 "$CLUSTER_BIN/tidb-lite" -P 4001 -status 10081 -path 127.0.0.1:2379 \
		-enable-binlog -log-file "$d/tidb-lite-4001.log" || return 1
	cluster_wait_http tidb-lite-4000 http://127.0.0.1:10080/status || return 1
	cluster_wait_http tidb-lite-4001 http://127.0.0.1:10081/status || return 1
	cluster_log "making sure MariaDB answers on 127.0.0.1:3306 (scripts/ensure-mariadb.sh)"
	"$CLUSTER_ROOT/scripts/ensure-mariadb.sh" || return 1
	[ "${1:-}" = --no-drainer ] && return 0
	local conf=(-dest-db-type mysql)
	if [ -n "${CLUSTER_DRAINER_CONFIG:-}" ]; then
		# The case's own drainer.toml sets db-type and everything else.
		conf=(-config "$CLUSTER_DRAINER_CONFIG")
		cluster_log "the drainer reads $CLUSTER_DRAINER_CONFIG"
	fi
	cluster_start drainer "$CLUSTER_BIN/drainer" -addr 127.0.0.1:8249 -pd-urls "$CLUSTER_PD" -data-dir "$d/drainer" \
		"${conf[@]}" -log-file "$d/drainer.log" || return 1
	cluster_wait_http drainer http://127.0.0.1:8249/status
}

# cluster_report_exits: says once about every daemon that exited by itself.
cluster_report_exits() {
	local i st
	for i in "${!cluster_names[@]}"; do
		[ "${cluster_gone[i]}" = 0 ] || continue
		kill -0 "${cluster_pids[i]}" 2>/dev/null && continue
		st=0
		wait "${cluster_pids[i]}" 2>/dev/null || st=$?
		cluster_gone[i]=1
		cluster_log "${cluster_names[i]} exited (status $st); the others keep running." \
			"Its output: $CLUSTER_DIR/${cluster_names[i]}.out. To start it again: ${cluster_cmds[i]}" >&2
	done
}

# cluster_wait_user [prompt]: waits for ENTER (when stdin is a terminal) or
# a signal, reporting daemons that exit meanwhile.
cluster_wait_user() {
	trap 'cluster_stopping=1' INT TERM
	[ -z "${1:-}" ] || echo "$1"
	while [ "$cluster_stopping" = 0 ]; do
		if [ -t 0 ]; then
			if read -r -t 1 _; then break; fi
		else
			sleep 1
		fi
		cluster_report_exits
	done
	trap - INT TERM
}

# cluster_stop_tier <name-prefix>: SIGTERM to every live daemon of a tier,
# then waits at most CLUSTER_STOP_WAIT seconds before SIGKILL.
cluster_stop_tier() {
	local i pids=() names=() t0 left
	for i in "${!cluster_names[@]}"; do
		[[ ${cluster_names[i]} == "$1"* ]] || continue
		if kill -0 "${cluster_pids[i]}" 2>/dev/null; then
			pids+=("${cluster_pids[i]}")
			names+=("${cluster_names[i]}")
		fi
	done
	[ ${#pids[@]} -gt 0 ] || return 0
	t0=$(date +%s)
	cluster_log "stopping ${names[*]}"
	kill -TERM "${pids[@]}" 2>/dev/null || true
	for _ in $(seq 1 $((CLUSTER_STOP_WAIT * 10))); do
		left=0
		for i in "${pids[@]}"; do kill -0 "$i" 2>/dev/null && left=1; done
		[ $left = 1 ] || break
		sleep 0.1
	done
	for i in "${!pids[@]}"; do
		if kill -0 "${pids[i]}" 2>/dev/null; then
			cluster_log "${names[i]} did not stop within ${CLUSTER_STOP_WAIT} s; killing it" >&2
			kill -KILL "${pids[i]}" 2>/dev/null || true
		fi
		wait "${pids[i]}" 2>/dev/null || true
	done
	cluster_log "stopped ${names[*]} in $(($(date +%s) - t0)) s"
}

# cluster_down: stops everything in dependency order. Idempotent.
cluster_down() {
	local tier
	cluster_save_schemas
	for tier in drainer tidb-lite pump pd-lite; do
		cluster_stop_tier "$tier"
	done
	cluster_names=()
	cluster_pids=()
	cluster_cmds=()
	cluster_gone=()
}

# cluster_save_schemas: records the user schemas of the upstream, so that the
# next fresh start can drop what the drainer replicated of them downstream.
cluster_save_schemas() {
	cluster_alive tidb-lite-4000 || return 0
	mariadb --no-defaults -h127.0.0.1 -P4000 -uroot -N -e 'SHOW DATABASES' 2>/dev/null |
		grep -v -i -x -E 'information_schema|mysql|performance_schema|sys|metrics_schema' >"$CLUSTER_DIR/upstream-schemas" || true
}

# cluster_fresh: tidb-lite does not persist rows, so every start is a fresh
# cluster: the folder is emptied and the downstream databases replicated by
# the last run are dropped (both sides start empty and stay equal).
cluster_fresh() {
	local f="$CLUSTER_DIR/upstream-schemas" s
	if [ -s "$f" ] && "$CLUSTER_ROOT/scripts/ensure-mariadb.sh"; then
		while read -r s; do
			[ -n "$s" ] || continue
			cluster_log "dropping downstream database $s (replicated by the last run)"
			mariadb --no-defaults -h127.0.0.1 -P3306 -uroot -e "DROP DATABASE IF EXISTS \`$s\`" || true
		done <"$f"
	fi
	rm -rf "${CLUSTER_DIR:?}"/*
}

# cluster_howto: how to connect.
cluster_howto() {
	cat <<MSG

How to connect:
  upstream TiDB (tidb-lite)   mysql -h127.0.0.1 -P4000 -uroot    (or -P4001; status http://127.0.0.1:10080)
  downstream MySQL (MariaDB)  mysql -h127.0.0.1 -P3306 -uroot
  PD (pd-lite)                $CLUSTER_PD
  pump                        http://127.0.0.1:8250/status
  drainer                     http://127.0.0.1:8249/status
  binlogctl                   $CLUSTER_BIN/binlogctl -pd-urls $CLUSTER_PD -cmd pumps   (or -cmd drainers)
  data and logs               $CLUSTER_DIR
Try: CREATE DATABASE hello_binlog; CREATE TABLE hello_binlog.user_info (id int PRIMARY KEY, name varchar(32));
     INSERT INTO hello_binlog.user_info VALUES (1, 'a'), (2, 'b');  then read it on 3306.
MSG
}
