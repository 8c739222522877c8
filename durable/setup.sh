#!/usr/bin/env bash
# Sets up an environment's durable layer (MariaDB, the AWS secrets services, the load balancer):
# creates what is missing, starts what is stopped, verifies what runs. Safe to run again.
# Usage: ./durable/setup.sh <devlocal|ci>
set -euo pipefail
# shellcheck source=scripts/lib/echobase.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/echobase.sh"

if [[ $# -ne 1 || $1 == -* ]]; then
  echo "usage: ./durable/setup.sh <devlocal|ci>" >&2
  exit 2
fi
echobase durable setup "$1"
