#!/usr/bin/env bash
# Stops an environment's durable layer. Its data is kept unless --volumes is given, which
# deletes the database and the environment's credentials for good.
# Usage: ./durable/teardown.sh <devlocal|ci> [--volumes]
set -euo pipefail
# shellcheck source=scripts/lib/echobase.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/echobase.sh"

usage() {
  echo "usage: ./durable/teardown.sh <devlocal|ci> [--volumes]" >&2
  exit 2
}

env=""
volumes=()
for arg in "$@"; do
  case "$arg" in
    --volumes) volumes=(--volumes) ;;
    -*) echo "teardown: unknown option '$arg'" >&2; usage ;;
    *) [[ -z $env ]] || usage; env=$arg ;;
  esac
done
[[ -n $env ]] || usage
echobase durable teardown "$env" "${volumes[@]}"
