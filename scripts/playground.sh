#!/usr/bin/env bash
# Runs the local playground: pd-lite (PD stand-in, 127.0.0.1:2379), two
# tidb-lite (MySQL on 4000 and 4001, status 10080 and 10081), a pump on 8250
# and a drainer on 8249 replicating into MariaDB on 127.0.0.1:3306 (started by
# scripts/ensure-mariadb.sh when none runs). Builds only the binaries whose
# sources changed. Data and logs go to ./playground (PLAYGROUND_DIR).
#
# Each start is a fresh cluster: tidb-lite keeps rows in memory only, so the
# folder is emptied and the downstream databases the last run replicated are
# dropped, and both sides start empty. A daemon that exits (binlogctl
# pause-pump / offline-pump) leaves the others running. Ctrl-C stops the
# drainer, tidb-lite, the pump, then pd-lite, each with a bounded wait.
set -euo pipefail
# shellcheck source=../tests/_utils/cluster.sh
. "$(dirname "$0")/../tests/_utils/cluster.sh"

cluster_init "${PLAYGROUND_DIR:-$CLUSTER_ROOT/playground}"
cluster_build
cluster_check_ports
trap 'cluster_down; echo "playground stopped; data and logs are in $CLUSTER_DIR"' EXIT
trap 'exit 130' INT TERM
cluster_fresh
cluster_up
trap - INT TERM

echo
echo "The playground is up."
cluster_howto
echo
cluster_wait_user "Press Ctrl-C (or ENTER) to stop."
