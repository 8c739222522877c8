#!/usr/bin/env bash
# Runs Echobase on this machine: installs what is missing, builds, sets up the devlocal durable
# layer (MariaDB, the AWS endpoint, the load balancer) and prints where everything is.
# Safe to run again: whatever already runs is verified and left alone.
# Usage: ./scripts/run.sh
set -euo pipefail
# shellcheck source=scripts/lib/echobase.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/echobase.sh"
cd "$ECHOBASE_ROOT"
export TURBO_TELEMETRY_DISABLED=1

./scripts/install-deps.sh
ensure_npm_packages
echo "echobase: building"
npx turbo run build --output-logs=errors-only
./durable/setup.sh devlocal
echo
echobase durable status devlocal
cat <<EOT

Production (load balancer): http://127.0.0.1:8080
  It answers 503 {"error":{"code":"no_active_colour"}} until a colour is deployed.
Settings for apps and tools:  npx echobase durable env devlocal
Stop (keeps data):            ./durable/teardown.sh devlocal
EOT
