# shellcheck shell=bash
# Helpers of the case scripts (tests/<case>/run.sh), as the original's:
# run_sql (upstream tidb-lite on 4000), run_sql_4001, down_run_sql (MariaDB on
# 3306), check_contains and check_data (the consistency check).

mysql_at() { # port, then the SQL
	mariadb --no-defaults -h127.0.0.1 -P"$1" -uroot -N -B -e "$2"
}
run_sql() { mysql_at 4000 "$1"; }
run_sql_4001() { mysql_at 4001 "$1"; }
down_run_sql() { mysql_at 3306 "$1"; }

# check_contains <text> <output>: fails when the output lacks the text.
check_contains() {
	if ! grep -qF -- "$1" <<<"$2"; then
		echo "check_contains: '$1' not found in:" >&2
		echo "$2" >&2
		return 1
	fi
}

# table_rows <port> <db.table>: every row, one per line, sorted.
table_rows() {
	mysql_at "$1" "SELECT * FROM $2" | LC_ALL=C sort
}

# user_tables <port> <db>: the tables of a database (sequences are left
# out: tidb-lite's SHOW TABLES does not list them).
user_tables() {
	mysql_at "$1" "SHOW FULL TABLES FROM \`$2\`" | awk -F'\t' '$2 != "SEQUENCE" {print $1}' | LC_ALL=C sort
}

# check_data <db...>: the consistency check. Every table of the databases
# must hold the same rows upstream (UP_PORT, default 4000: tidb-lite keeps
# rows per instance) and downstream (3306), compared
# by checksum of the sorted rows; waits up to CHECK_WAIT seconds (60) for the
# drainer, then prints the first differing rows.
check_data() {
	local deadline=$((SECONDS + ${CHECK_WAIT:-60})) db t bad up=${UP_PORT:-4000}
	while :; do
		bad=""
		for db in "$@"; do
			if [ "$(user_tables "$up" "$db")" != "$(user_tables 3306 "$db" 2>/dev/null)" ]; then
				bad="$db (tables)"
				break
			fi
			for t in $(user_tables "$up" "$db"); do
				if [ "$(table_rows "$up" "$db.$t" | md5sum)" != "$(table_rows 3306 "$db.$t" 2>/dev/null | md5sum)" ]; then
					bad="$db.$t"
					break 2
				fi
			done
		done
		if [ -z "$bad" ]; then
			echo "check_data: $* equal upstream and downstream"
			return 0
		fi
		[ $SECONDS -lt $deadline ] || break
		sleep 1
	done
	echo "check_data: $bad differs upstream (<) and downstream (>):" >&2
	case $bad in
	*" (tables)") diff <(user_tables "$up" "${bad% (tables)}") <(user_tables 3306 "${bad% (tables)}" 2>&1) | head -20 >&2 ;;
	*) diff <(table_rows "$up" "$bad") <(table_rows 3306 "$bad" 2>&1) | head -20 >&2 ;;
	esac
	return 1
}
