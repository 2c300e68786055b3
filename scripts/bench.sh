#!/usr/bin/env bash
# `make bench`: Go benchmarks of the storage engine and the pump client, then
# the pump load tool against real pd-lite and pump processes. Set
# BENCH_DURATION (default 5s) and BENCH_RUNS (default 1); the reference
# protocol of the pump issue is BENCH_DURATION=20s BENCH_RUNS=5.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
make --no-print-directory build >/dev/null
echo "== go test -bench (pump/storage, pkg/pumpclient)"
go test -run '^$' -bench . -benchtime "${BENCH_TIME:-3s}" ./pump/storage/ ./pkg/pumpclient/
echo
echo "== pump load tool"
go run ./tests/pumpbench -duration "${BENCH_DURATION:-5s}" -runs "${BENCH_RUNS:-1}" "$@"
