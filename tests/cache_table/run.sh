#!/usr/bin/env bash
# ALTER TABLE ... CACHE / NOCACHE are skipped (TiDB writes no binlog for
# them) while the DML around them replicates.
set -euo pipefail
. "$(dirname "$0")/../_utils/helpers.sh"

run_sql "DROP DATABASE IF EXISTS cache_test; CREATE DATABASE cache_test"
run_sql "CREATE TABLE cache_test.t (id int PRIMARY KEY, v varchar(10))"
run_sql "INSERT INTO cache_test.t VALUES (1, 'a'), (2, 'b')"
run_sql "ALTER TABLE cache_test.t CACHE"
run_sql "INSERT INTO cache_test.t VALUES (3, 'c')"
run_sql "UPDATE cache_test.t SET v = 'bb' WHERE id = 2"
run_sql "ALTER TABLE cache_test.t NOCACHE"
run_sql "DELETE FROM cache_test.t WHERE id = 1"
check_data cache_test
history=$(curl -fsS http://127.0.0.1:10080/ddl/history)
grep -Eq '"type": ?57,' <<<"$history" # the CACHE and NOCACHE jobs are in the history
grep -Eq '"type": ?59,' <<<"$history"
run_sql "DROP DATABASE cache_test"
