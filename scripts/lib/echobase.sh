#!/usr/bin/env bash
# Sourced by the repo's scripts: runs the echobase CLI from this checkout, installing the npm
# dependencies and building the CLI first if this checkout has not done so yet.

ECHOBASE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ECHOBASE_ROOT

echobase() {
  if [[ ! -d "$ECHOBASE_ROOT/node_modules" ]]; then
    echo "echobase: installing npm dependencies (npm ci)" >&2
    (cd "$ECHOBASE_ROOT" && npm ci --no-audit --no-fund --loglevel=error) || return 1
  fi
  if [[ ! -f "$ECHOBASE_ROOT/packages/ops/dist/cli.js" ]]; then
    echo "echobase: building the CLI" >&2
    (cd "$ECHOBASE_ROOT" && npx turbo run build --filter=@echobase/ops --output-logs=errors-only) || return 1
  fi
  node "$ECHOBASE_ROOT/packages/ops/dist/cli.js" "$@"
}
