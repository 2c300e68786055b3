# shellcheck shell=bash
# Processes a case script starts itself (a second pump, its own drainer, a
# Kafka broker, arbiter): each runs in its own session with its output in
# $CLUSTER_DIR/<name>.out, and every one still running is stopped when the
# case exits, however it exits (proc_start installs the EXIT trap).
#
#   proc_start <name> <command...>   start; the name must be new or stopped
#   proc_stop <name>                 SIGTERM, then SIGKILL after PROC_STOP_WAIT s
#   proc_wait_exit <name> <seconds>  wait until it exits by itself
#   proc_alive <name>, proc_pid <name>
#   wait_for <seconds> <what> <command...>   poll a command until it succeeds
#   wait_http <seconds> <url>                poll until the URL answers 2xx
#   pid_gone <pid>                           the process no longer exists
#
# Daemons of the cluster (tests/_utils/cluster.sh) are not in this list: a
# case that restarts one finds it with cluster_daemon_pid.

PROC_STOP_WAIT=${PROC_STOP_WAIT:-15}
proc_names=()
proc_pids=()

proc_log() { echo "[$(date '+%H:%M:%S')] $*"; }

proc_index() {
	local i
	for i in "${!proc_names[@]}"; do
		[ "${proc_names[i]}" = "$1" ] && echo "$i" && return 0
	done
	return 1
}

proc_pid() {
	local i
	i=$(proc_index "$1") && echo "${proc_pids[i]}"
}

proc_alive() {
	local pid
	pid=$(proc_pid "$1") && kill -0 "$pid" 2>/dev/null
}

proc_start() {
	local name=$1 i
	shift
	if proc_alive "$name"; then
		echo "proc_start: $name is already running (pid $(proc_pid "$name"))" >&2
		return 1
	fi
	# Appends, so that the output of an earlier run of the same name stays.
	setsid "$@" >>"$CLUSTER_DIR/$name.out" 2>&1 </dev/null &
	if i=$(proc_index "$name"); then
		proc_pids[i]=$!
	else
		proc_names+=("$name")
		proc_pids+=($!)
	fi
	trap proc_stop_all EXIT
	proc_log "started $name (pid $!, output $CLUSTER_DIR/$name.out)"
}

# proc_stop <name>: returns the exit status of the process (0 when it had
# already exited and been reaped).
proc_stop() {
	local pid st=0 i
	pid=$(proc_pid "$1") || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for i in $(seq 1 $((PROC_STOP_WAIT * 10))); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			proc_log "$1 did not stop within $PROC_STOP_WAIT s after SIGTERM; killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null || st=$?
	proc_log "stopped $1 (pid $pid, status $st)"
	return $st
}

# proc_wait_exit <name> <seconds>: the exit status once the process exited
# by itself; fails (status 124) when it is still running after the wait.
proc_wait_exit() {
	local pid st=0 deadline=$((SECONDS + $2))
	pid=$(proc_pid "$1") || return 1
	while kill -0 "$pid" 2>/dev/null; do
		if [ $SECONDS -ge $deadline ]; then
			echo "proc_wait_exit: $1 (pid $pid) still runs after $2 s" >&2
			return 124
		fi
		sleep 0.1
	done
	wait "$pid" 2>/dev/null || st=$?
	return $st
}

# proc_stop_all: the EXIT trap; newest first, so that a consumer stops
# before what it reads from.
proc_stop_all() {
	local i
	for ((i = ${#proc_names[@]} - 1; i >= 0; i--)); do
		proc_stop "${proc_names[i]}" || true
	done
}

wait_for() {
	local deadline=$((SECONDS + $1)) what=$2
	shift 2
	until "$@"; do
		if [ $SECONDS -ge $deadline ]; then
			echo "wait_for: $what: not within the time limit" >&2
			return 1
		fi
		sleep 0.2
	done
}

# pid_gone <pid>: true once a process (a cluster daemon: not our child, so
# not waitable) no longer exists.
pid_gone() { ! kill -0 "$1" 2>/dev/null; }

wait_http() {
	wait_for "$1" "$2 answers" curl -fs -o /dev/null --max-time 2 "$2"
}

# cluster_daemon_pid <port> <data-dir>: the pid of the cluster daemon
# listening on the port, checked to be the one using that data dir (so that
# a case never signals a process of another run).
cluster_daemon_pid() {
	local line pid
	line=$(ss -Hltnp "sport = :$1" 2>/dev/null | head -1)
	[[ $line =~ pid=([0-9]+) ]] || return 1
	pid=${BASH_REMATCH[1]}
	tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- " $2 " || return 1
	echo "$pid"
}

# json_field <name>: the first value of a number or string field of the JSON
# on stdin (enough for the flat answers of the pump and drainer HTTP APIs).
json_field() {
	grep -o "\"$1\": *\(\"[^\"]*\"\|-\?[0-9]\+\)" | head -1 | sed 's/^[^:]*: *//; s/"//g'
}
