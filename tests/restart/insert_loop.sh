#!/usr/bin/env bash
# insert_loop.sh <db.table> <stop-file>: inserts rows 1, 2, ... into the
# table on tidb-lite 4000, one statement each, until the stop file exists.
# Prints "ok <id>" for an insert that succeeded and "fail <id> <error>" for
# one that failed, so the case knows exactly which rows must exist.
set -uo pipefail
table=$1
stop=$2
id=0
while [ ! -e "$stop" ]; do
	id=$((id + 1))
	if out=$(mariadb --no-defaults -h127.0.0.1 -P4000 -uroot -N -B \
		-e "INSERT INTO $table VALUES ($id, 'row$id', NOW())" 2>&1); then
		echo "ok $id"
	else
		echo "fail $id ${out//$'\n'/ }"
	fi
done
echo "stopped after $id inserts"
