#!/bin/bash
# First start on an empty data folder: create the system tables and give root (from anywhere,
# as the official image does) MARIADB_ROOT_PASSWORD. Then run mariadbd with the arguments given.
set -euo pipefail
if [[ ${1:-} == -* ]]; then set -- mariadbd "$@"; fi
if [[ $1 == mariadbd && ! -d /var/lib/mysql/mysql ]]; then
  : "${MARIADB_ROOT_PASSWORD:?MARIADB_ROOT_PASSWORD is required on first start}"
  echo "entrypoint: initialising /var/lib/mysql"
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null
  mariadbd --user=mysql --skip-networking --socket=/run/mysqld/init.sock &
  pid=$!
  for _ in $(seq 1 300); do
    mariadb --socket=/run/mysqld/init.sock -e 'SELECT 1' >/dev/null 2>&1 && break
    sleep 0.1
  done
  password=${MARIADB_ROOT_PASSWORD//\\/\\\\}
  password=${password//\'/\\\'}
  mariadb --socket=/run/mysqld/init.sock <<SQL
CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '$password';
GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;
ALTER USER 'root'@'localhost' IDENTIFIED BY '$password';
FLUSH PRIVILEGES;
SQL
  kill "$pid"
  wait "$pid" || true
fi
if [[ $1 == mariadbd ]]; then
  shift
  exec mariadbd --user=mysql --bind-address=0.0.0.0 --port=3306 "$@"
fi
exec "$@"
