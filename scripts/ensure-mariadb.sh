#!/usr/bin/env bash
# Makes sure a MariaDB server answers on 127.0.0.1:3306 as root without a
# password (the downstream of the tests and the playground). Starts the
# machine's server when it is down; installs and initialises one when there
# is none. Idempotent.
set -euo pipefail
ping_db() { mariadb-admin --no-defaults -h127.0.0.1 -P3306 -uroot --connect-timeout=2 ping >/dev/null 2>&1; }
wait_db() {
	for _ in $(seq 1 60); do
		ping_db && return 0
		sleep 0.5
	done
	return 1
}
if command -v mariadb-admin >/dev/null && ping_db; then
	exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
if [ ! -x /usr/sbin/mariadbd ]; then
	echo "ensure-mariadb: installing mariadb-server" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends mariadb-server mariadb-client >/dev/null
fi
datadir=/var/lib/mysql
if [ ! -d "$datadir/mysql" ]; then
	$sudo mariadb-install-db --user=mysql --datadir="$datadir" --auth-root-authentication-method=normal --skip-test-db >/dev/null
fi
$sudo mkdir -p /run/mysqld && $sudo chown mysql:mysql /run/mysqld 2>/dev/null || true
echo "ensure-mariadb: starting mariadbd" >&2
$sudo start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql --bind-address=127.0.0.1 --port=3306
if ! wait_db; then
	echo "ensure-mariadb: MariaDB did not answer on 127.0.0.1:3306" >&2
	exit 1
fi
# Root over TCP without a password (a fresh Debian install uses unix_socket auth).
$sudo mariadb --no-defaults -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('')" 2>/dev/null || true
ping_db
