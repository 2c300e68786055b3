#!/usr/bin/env bash
# Benchmark of pkg/loader against the local MariaDB (make bench): prints the
# server's two ceilings, then insert/update/delete rows/s with merge off and
# on (each with its ratio to the ceiling) and the p99 transaction latency.
# Extra arguments go to loaderbench (e.g. -rows 50000; on a shared machine
# -runs 3 prints the medians of three runs).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-mariadb.sh
go run ./pkg/loader/loaderbench "$@"
