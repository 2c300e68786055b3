#!/usr/bin/env bash
# `make bench`: Go benchmarks of the pump storage engine and client, the
# drainer's parts, the loader against MariaDB (with the machine's ceiling
# line), reparo and arbiter, the Kafka sink, then the pump load tool against
# real pd-lite and pump processes. Set BENCH_DURATION (default 5s) and
# BENCH_RUNS (default 1) for the pump tool; the reference protocol of the pump
# issue is BENCH_DURATION=20s BENCH_RUNS=5. LOADER_ROWS (default 200000) sets
# the rows per loader phase.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
make --no-print-directory build >/dev/null
scripts/ensure-mariadb.sh
bt="${BENCH_TIME:-3s}"
echo "== go test -bench (pump/storage, pkg/pumpclient, pkg/binlogfile, drainer parts)"
go test -run '^$' -bench . -benchtime "$bt" ./pump/storage/ ./pkg/pumpclient/ ./pkg/binlogfile/ \
	./drainer/translator/ ./drainer/collector/ ./drainer/schema/ ./drainer/sink/file/
echo
echo "== Kafka sink (kfake)"
go test -run '^$' -bench Produce ./drainer/sink/kafka/
echo
echo "== pkg/loader (MariaDB ceiling line first)"
go run ./pkg/loader/loaderbench -rows "${LOADER_ROWS:-200000}"
echo
echo "== reparo and arbiter against pkg/loader alone (MariaDB)"
go test -run '^$' -bench Sysbench -benchtime 1x -count 3 ./reparo/
# The loader's 200,000-row sysbench workload, one run per -count; the broker
# (kfake) in a child process, as a real broker is not in the arbiter's process.
go test -run '^$' -bench 'ArbiterRows/broker=child|LoaderRows|ArbiterRestart' -benchtime 1x -count 3 ./arbiter/
echo
echo "== pump load tool"
go run ./tests/pumpbench -duration "${BENCH_DURATION:-5s}" -runs "${BENCH_RUNS:-1}" "$@"
echo
echo "== drainer end to end (tool -> pump -> drainer -> MariaDB) next to pkg/loader alone"
# DRAINER_ROWS (default 100000) rows per phase, for both; the drainer runs
# with its default worker-count 16 and txn-batch 20, loaderbench's settings.
drows="${DRAINER_ROWS:-100000}"
# loaderbench runs in safe mode too: the drainer is in its first 5 minutes,
# when safe mode is forced (INSERT as REPLACE, UPDATE as DELETE+REPLACE).
lb=$(go run ./pkg/loader/loaderbench -rows "$drows" -modes off -safe-mode)
echo "$lb"
# The last merge-off row (the median with -runs) and the single-row ceiling.
rates=$(awk -F'|' '/^\| merge off/ { r = ""; for (i = 3; i <= 5; i++) { split($i, a, " "); r = r (i > 3 ? "," : "") a[1] } } END { print r }' <<<"$lb")
ceiling=$(sed -n 's/.*transactions of 20 single-row inserts, [0-9]* connections: \([0-9]*\) rows\/s.*/\1/p' <<<"$lb" | tail -1)
go run ./tests/drainerbench -rows "$drows" -loader "$rates" -ceiling "$ceiling"
echo "-- light load: commit-to-downstream latency at 1,000 rows/s through tidb-lite (target p99 < 500 ms)"
go test -tags integration -count=1 -run '^TestDrainerCommitToDownstreamLatency$' -v ./tests/ |
	grep -E 'latency at|p99 above|^(ok|FAIL|--- )'
