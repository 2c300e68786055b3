#!/usr/bin/env bash
# Many sessions on both tidb-lite instances write at once: explicit
# transactions over overlapping keys (some fail with TiDB's write conflict
# 9007 and roll back), AUTO_INCREMENT inserts, updates and deletes. The
# downstream ends equal to each instance's tables.
set -euo pipefail
. "$(dirname "$0")/../_utils/helpers.sh"

SESSIONS=${SESSIONS:-6}
TXNS=${TXNS:-40}

run_sql "DROP DATABASE IF EXISTS conc_a; CREATE DATABASE conc_a"
run_sql "CREATE TABLE conc_a.kv (k int PRIMARY KEY, v int, who varchar(20))"
run_sql "CREATE TABLE conc_a.log (id bigint AUTO_INCREMENT PRIMARY KEY, who varchar(20), k int)"
run_sql_4001 "CREATE DATABASE conc_b"
run_sql_4001 "CREATE TABLE conc_b.kv (k int PRIMARY KEY, v int, who varchar(20))"

# worker <port> <db> <name>: TXNS transactions of a few statements each.
worker() {
	local port=$1 db=$2 who=$3 i k sql conflicts=0
	for i in $(seq 1 "$TXNS"); do
		k=$((RANDOM % 50))
		sql="BEGIN; INSERT INTO $db.kv VALUES ($k, $i, '$who') ON DUPLICATE KEY UPDATE v = v + 1, who = '$who';"
		[ "$db" = conc_a ] && sql+=" INSERT INTO $db.log (who, k) VALUES ('$who', $k);"
		[ $((i % 7)) = 0 ] && sql+=" DELETE FROM $db.kv WHERE k = $(((k + 1) % 50));"
		sql+=" COMMIT;"
		if ! out=$(mysql_at "$port" "$sql" 2>&1); then
			check_contains "Write conflict" "$out" >/dev/null || {
				echo "$who: $out" >&2
				return 1
			}
			conflicts=$((conflicts + 1))
		fi
	done
	echo "$who: $TXNS transactions, $conflicts write conflicts"
}

pids=()
for s in $(seq 1 "$SESSIONS"); do
	worker 4000 conc_a "a$s" &
	pids+=($!)
	worker 4001 conc_b "b$s" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

check_data conc_a
UP_PORT=4001 check_data conc_b
n=$(run_sql "SELECT COUNT(DISTINCT id) FROM conc_a.log")
[ "$n" = "$(run_sql "SELECT COUNT(*) FROM conc_a.log")" ]
run_sql "DROP DATABASE conc_a"
run_sql_4001 "DROP DATABASE conc_b"
