# shellcheck shell=bash
# The random DML load of the binlog case: each session is one client
# connection fed a stream of random statements (autocommit and small
# explicit transactions) on the ptest (integer PK), itest (no PK, a
# unique key) and ntest (composite PK) tables. Duplicate keys, write conflicts and
# schema changes make some statements fail; the client goes on (--force)
# and the failures are counted, any other error fails the session.

# load_sql <db> <seed> <count>: the statements of one session.
load_sql() {
	local db=$1 i k k2 r
	RANDOM=$2
	for ((i = 0; i < $3; i++)); do
		k=$((RANDOM % 200))
		k2=$((RANDOM % 200))
		r=$((RANDOM % 12))
		case $r in
		0 | 1) echo "INSERT INTO $db.ptest VALUES ($k, $RANDOM, 'p$RANDOM', $RANDOM.25) ON DUPLICATE KEY UPDATE a = a + 1, c = c / 2;" ;;
		2) echo "UPDATE $db.ptest SET b = CONCAT(b, 'u'), a = $RANDOM WHERE id BETWEEN $k AND $((k + 5));" ;;
		3) echo "DELETE FROM $db.ptest WHERE id = $k;" ;;
		4 | 5) echo "INSERT INTO $db.itest VALUES ($k, $RANDOM, 'i$k');" ;;
		6) echo "UPDATE $db.itest SET id = $k2, u = u + 1 WHERE id = $k;" ;;
		7) echo "DELETE FROM $db.itest WHERE id = $k;" ;;
		8) echo "REPLACE INTO $db.ntest VALUES ('n$((k % 20))', $((k2 % 10)), $RANDOM);" ;;
		9) echo "UPDATE $db.ntest SET n = $((k2 % 10)), v = v + 1 WHERE k = 'n$((k % 20))' AND n = $((k % 10));" ;;
		10) echo "DELETE FROM $db.ntest WHERE k = 'n$((k % 20))';" ;;
		*) echo "BEGIN; INSERT INTO $db.ptest VALUES ($((k + 1000)), $k2, 'txn', 0.5) ON DUPLICATE KEY UPDATE a = a - 1;" \
			"UPDATE $db.itest SET u = u - 1 WHERE id = $k2; REPLACE INTO $db.ntest VALUES ('t$k', $k2, $i);" \
			"DELETE FROM $db.ptest WHERE id = $((k2 + 1000)); COMMIT;" ;;
		esac
	done
}

# load_tables <port> <db>: creates the load tables.
load_tables() {
	mysql_at "$1" "CREATE TABLE $2.ptest (id int PRIMARY KEY, a int, b varchar(200), c double)
		;CREATE TABLE $2.itest (id int NOT NULL, u int, s varchar(20), UNIQUE KEY uk_id (id), KEY k_u (u))
		;CREATE TABLE $2.ntest (k varchar(20), n int, v int, PRIMARY KEY (k, n))"
}

# load_session <port> <db> <seed> <count> <errfile>: one session's stream.
load_session() {
	load_sql "$2" "$3" "$4" | mariadb --no-defaults -h127.0.0.1 -P"$1" -uroot -N -B --force >/dev/null 2>"$5" || true
}

# load_check_errors <errfile...>: only the expected failures happened
# (LOAD_ALSO_OK: one more expected error text).
load_check_errors() {
	local f bad n=0
	for f in "$@"; do
		n=$((n + $(grep -c '^ERROR' "$f" || true)))
		bad=$(grep '^ERROR' "$f" | grep -v -e 'Write conflict' -e 'uplicate' -e 'Information schema is changed' \
			-e "${LOAD_ALSO_OK:-Write conflict}" || true)
		if [ -n "$bad" ]; then
			echo "load session $f failed unexpectedly:" >&2
			echo "$bad" | head -5 >&2
			return 1
		fi
	done
	echo "$n statements failed as expected (duplicate keys, write conflicts, schema changes)"
}
