#!/bin/bash
# The official image's healthcheck.sh, for the checks the compose file asks for: --connect (the
# server answers over TCP) and --innodb_initialized (InnoDB is up).
set -euo pipefail
query='SELECT 1'
for arg in "$@"; do
  case $arg in
    --connect) ;;
    --innodb_initialized) query="SELECT 1 FROM information_schema.ENGINES WHERE ENGINE='InnoDB' AND SUPPORT IN ('YES','DEFAULT')" ;;
    *) echo "healthcheck.sh: unknown check $arg" >&2; exit 2 ;;
  esac
done
out=$(MYSQL_PWD=$MARIADB_ROOT_PASSWORD mariadb -h 127.0.0.1 -P 3306 -u root -N -e "$query")
[[ $out == 1 ]]
