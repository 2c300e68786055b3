#!/usr/bin/env bash
# replicate-do-db (a ~regex and an exact name), replicate-do-table and
# ignore-table (drainer.toml): DDL and DML on the databases and tables the
# rules let through are replicated, the others never reach the downstream.
set -euo pipefail
. "$(dirname "$0")/../_utils/helpers.sh"

PASS_DBS=(do_start1 do_start_two do_name)
SKIP_DBS=(do_not_start1 do_not_name xdo_start1 do_name2)
ALL_DBS=("${PASS_DBS[@]}" "${SKIP_DBS[@]}" filter_tbl)

# Leftovers of an earlier failed run would fake a replicated database.
for db in "${ALL_DBS[@]}"; do
	run_sql "DROP DATABASE IF EXISTS $db"
	down_run_sql "DROP DATABASE IF EXISTS $db"
done

# workload <db.table>: a table's life: create, insert, update, alter, delete.
workload() {
	run_sql "CREATE TABLE $1 (id int PRIMARY KEY, v varchar(20))"
	run_sql "INSERT INTO $1 VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')"
	run_sql "UPDATE $1 SET v = 'bb' WHERE id = 2"
	run_sql "ALTER TABLE $1 ADD COLUMN w int DEFAULT 7"
	run_sql "INSERT INTO $1 VALUES (5, 'e', 50)"
	run_sql "DELETE FROM $1 WHERE id = 3"
}

for db in "${ALL_DBS[@]}"; do
	run_sql "CREATE DATABASE $db"
done
for db in "${PASS_DBS[@]}" "${SKIP_DBS[@]}"; do
	workload "$db.t1"
done
workload do_start1.ignored_t    # do-db, but ignore-table (regex) wins
workload do_start_two.t_ignored # does not match ^ignored_: replicated
for t in do_name do_start1 do_start_x do_ignore_name do_not_name other; do
	workload "filter_tbl.$t"
done
run_sql "USE do_start1; RENAME TABLE t1 TO t1_renamed" # (tidb-lite: RENAME with db.table wants a current database)
run_sql "INSERT INTO do_start1.t1_renamed VALUES (9, 'after rename', 9)"

# wait_table <db> <table> <what>: polls until the table is downstream.
wait_table() {
	local deadline=$((SECONDS + 60))
	until [ "$(down_run_sql "SHOW TABLES FROM $1 LIKE '$2'" 2>/dev/null)" = "$2" ]; do
		if [ $SECONDS -ge $deadline ]; then
			echo "$3 did not reach the downstream in 60 s; drainer status:" >&2
			curl -sS --max-time 2 http://127.0.0.1:8249/status >&2 || true
			grep -E '\[(WARN|ERROR|FATAL)\]' "$CLUSTER_DIR/drainer.log" | tail -5 >&2 || true
			return 1
		fi
		sleep 0.5
	done
}

# A last DDL on a replicated database: once it is downstream, the drainer has
# handled everything before it.
run_sql "CREATE TABLE do_name.barrier (id int PRIMARY KEY)"
wait_table do_name barrier "the barrier table"

# Replicated databases: equal, except the ignored table.
check_data do_start_two do_name
[ "$(user_tables 3306 do_start1)" = t1_renamed ] || {
	echo "do_start1 downstream holds: $(user_tables 3306 do_start1) (want t1_renamed only)" >&2
	exit 1
}
[ "$(table_rows 4000 do_start1.t1_renamed)" = "$(table_rows 3306 do_start1.t1_renamed)" ]
# filter_tbl: only the do-tables that no ignore-table names.
got=$(user_tables 3306 filter_tbl | tr '\n' ' ')
if [ "$got" != "do_name do_start1 do_start_x " ]; then
	echo "filter_tbl downstream holds: $got (want do_name do_start1 do_start_x)" >&2
	exit 1
fi
for t in do_name do_start1 do_start_x; do
	[ "$(table_rows 4000 "filter_tbl.$t")" = "$(table_rows 3306 "filter_tbl.$t")" ] || {
		echo "filter_tbl.$t differs" >&2
		exit 1
	}
done
# Filtered databases never reach the downstream.
for db in "${SKIP_DBS[@]}"; do
	if [ -n "$(down_run_sql "SHOW DATABASES LIKE '$db'")" ]; then
		echo "database $db is downstream but replicate-do-db does not name it" >&2
		exit 1
	fi
done
echo "filter: replicated ${PASS_DBS[*]} and filter_tbl.{do_name,do_start1,do_start_x}; skipped the rest"

# DROP DATABASE replicates for the matching ones.
for db in "${ALL_DBS[@]}"; do
	run_sql "DROP DATABASE $db"
done
run_sql "CREATE DATABASE do_name; CREATE TABLE do_name.barrier2 (id int PRIMARY KEY)"
wait_table do_name barrier2 "the barrier after the drops"
for db in do_start1 do_start_two filter_tbl; do
	[ -z "$(down_run_sql "SHOW DATABASES LIKE '$db'")" ] || {
		echo "DROP DATABASE $db did not replicate" >&2
		exit 1
	}
done
run_sql "DROP DATABASE do_name"
