#!/usr/bin/env bash
# Sourced by the repo's scripts: helpers to install the npm packages, build, and run the
# echobase CLI from this checkout.

ECHOBASE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ECHOBASE_ROOT
# The e2e suite drives Debian's Chromium (install-deps.sh); Playwright never downloads one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# npm ci when node_modules is missing or older than the lock file.
ensure_npm_packages() {
  if [[ ! -f "$ECHOBASE_ROOT/node_modules/.package-lock.json" ||
    "$ECHOBASE_ROOT/package-lock.json" -nt "$ECHOBASE_ROOT/node_modules/.package-lock.json" ]]; then
    echo "echobase: installing npm packages (npm ci)" >&2
    (cd "$ECHOBASE_ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

echobase() {
  ensure_npm_packages || return 1
  if [[ ! -f "$ECHOBASE_ROOT/packages/ops/dist/cli.js" ]]; then
    echo "echobase: building the CLI" >&2
    (cd "$ECHOBASE_ROOT" && npx turbo run build --filter=@echobase/ops --output-logs=errors-only) || return 1
  fi
  node "$ECHOBASE_ROOT/packages/ops/dist/cli.js" "$@"
}
