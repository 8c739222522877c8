#!/usr/bin/env bash
# Runs Echobase on this machine: installs what is missing, builds, sets up the devlocal durable
# layer (MariaDB, the AWS endpoint, the load balancer), deploys the checkout (blue on a fresh
# machine) behind the production listener and prints where everything is.
# Safe to run again: whatever already runs is verified and left alone; a changed checkout is
# deployed to the idle colour, blue/green.
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
echobase deploy --env devlocal
echo
echobase status --env devlocal
cat <<EOT

Open the app:                 http://127.0.0.1:8080  (production: the active colour)
Metrics and alerts:           http://127.0.0.1:9090  (Prometheus: /targets, /alerts)
An order's trace:             npx echobase trace <order id> --env devlocal  (Jaeger's API: http://127.0.0.1:16686/api/traces)
Deploy again after a change:  npx echobase deploy --env devlocal
Stop a colour:                npx echobase stack down blue --env devlocal
Stop the durable layer:       ./durable/teardown.sh devlocal  (keeps the data)
EOT
