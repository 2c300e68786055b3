#!/usr/bin/env bash
# table-migrate-rule + binlog-filter-rule (drainer.toml): TRUNCATE TABLE,
# ALTER TABLE ... ADD COLUMN aaa int and DELETE are ignored on the tables
# the rules name and replicated everywhere else; the downstream holds exactly
# what the rules leave.
set -euo pipefail
. "$(dirname "$0")/../_utils/helpers.sh"

TRUNC=do_not_truncate_database1.do_not_truncate_table1 # every rule
ADDCOL=do_not_add_col_database1.do_not_add_col_table1  # add column aaa
DEL=do_not_delete_database1.do_not_delete_table1       # delete
PLAIN=bf_plain.do_not_filter                           # no rule
OTHER=do_not_truncate_database1.other_table            # db matches, table not
TABLES=("$TRUNC" "$ADDCOL" "$DEL" "$PLAIN" "$OTHER")
DBS=(do_not_truncate_database1 do_not_add_col_database1 do_not_delete_database1 bf_plain)

for db in "${DBS[@]}"; do
	run_sql "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db"
done

each() { # each <SQL with TBL>: runs it on every table
	local t
	for t in "${TABLES[@]}"; do run_sql "${1//TBL/$t}"; done
}

# wait_down <SQL> <want>: polls the downstream until the query returns want.
wait_down() {
	local deadline=$((SECONDS + 60)) got
	while :; do
		got=$(down_run_sql "$1" 2>&1 | tr '\n' ' ') || true
		[ "$got" = "$2" ] && return 0
		if [ $SECONDS -ge $deadline ]; then
			echo "downstream: $1 returned '$got', want '$2'" >&2
			return 1
		fi
		sleep 0.5
	done
}

each "CREATE TABLE TBL (id int PRIMARY KEY, v varchar(10))"
each "INSERT INTO TBL VALUES (1, 'a'), (2, 'b'), (3, 'c')"
each "TRUNCATE TABLE TBL"
each "INSERT INTO TBL VALUES (4, 'd'), (5, 'e')"
each "ALTER TABLE TBL ADD COLUMN aaa int"
each "INSERT INTO TBL VALUES (6, 'f', 60)"
each "ALTER TABLE TBL ADD COLUMN bbb int"
each "INSERT INTO TBL VALUES (7, 'g', 70, 700)"
each "DELETE FROM TBL WHERE id IN (4, 6)"
each "UPDATE TBL SET v = 'u', bbb = 500 WHERE id = 5"
# The last DDL: once it is downstream, everything before it is too.
run_sql "CREATE TABLE bf_plain.barrier (id int PRIMARY KEY)"
wait_down "SHOW TABLES FROM bf_plain LIKE 'barrier'" "barrier "

# Tables no rule names are equal up and down (aaa included).
check_data bf_plain
[ "$(table_rows 4000 "$OTHER")" = "$(table_rows 3306 "$OTHER")" ] || {
	echo "$OTHER differs: the rules name do_not_truncate_table* only" >&2
	exit 1
}
# rows <table> <columns>: the downstream rows as one line.
rows() { down_run_sql "SELECT $2 FROM $1 ORDER BY id" | tr '\t\n' ', '; }
expect() { # expect <table> <columns> <want>
	local got
	got=$(rows "$1" "$2")
	if [ "$got" != "$3" ]; then
		echo "$1 downstream: '$got', want '$3'" >&2
		exit 1
	fi
}
# Nothing of TRUNC's truncate, add column aaa or deletes arrived.
expect "$TRUNC" "id, v, bbb" "1,a,NULL 2,b,NULL 3,c,NULL 4,d,NULL 5,u,500 6,f,NULL 7,g,700 "
# ADDCOL lacks aaa only.
expect "$ADDCOL" "id, v, bbb" "5,u,500 7,g,700 "
# DEL kept the deleted rows.
expect "$DEL" "id, v, aaa, bbb" "4,d,NULL,NULL 5,u,NULL,500 6,f,60,NULL 7,g,70,700 "
for t in "$TRUNC" "$ADDCOL"; do
	if down_run_sql "SHOW COLUMNS FROM $t" | grep -q '^aaa'; then
		echo "$t has column aaa downstream: the ignore-sql rule did not apply" >&2
		exit 1
	fi
done
# Upstream, every table ended the same.
for t in "${TABLES[@]}"; do
	[ "$(run_sql "SELECT id, v, aaa, bbb FROM $t ORDER BY id" | tr '\t\n' ', ')" = "5,u,NULL,500 7,g,70,700 " ]
done
echo "binlogfilter: the downstream holds what the rules leave"

for db in "${DBS[@]}"; do
	run_sql "DROP DATABASE $db"
done
