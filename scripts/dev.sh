#!/usr/bin/env bash
# `npm run dev`: builds, gets the devlocal durable layer and a dev queue ready, then runs the API
# and the processor in watch mode and Vite's dev server, all on the project's Node.
# Usage: npm run dev   (or ./scripts/dev.sh)
set -euo pipefail
# shellcheck source=scripts/lib/echobase.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/echobase.sh"
cd "$ECHOBASE_ROOT"
export TURBO_TELEMETRY_DISABLED=1

ensure_npm_packages
npx turbo run build --output-logs=errors-only
echobase dev prepare
exec npx turbo run dev --filter=@echobase/infra --filter=@echobase/api-gateway \
  --filter=@echobase/order-processor --filter=@echobase/frontend
