#!/usr/bin/env bash
# The test command. On a fresh machine it installs what is missing, builds everything, runs
# lint, typecheck and the unit tests, then sets up the native ci durable layer (MariaDB, moto,
# nginx) and runs the integration tests against it, then deploys green there and runs the
# Playwright suite in Chromium against it. The last line sums every test that ran.
# Usage: ./scripts/test.sh
set -euo pipefail
# shellcheck source=scripts/lib/echobase.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/echobase.sh"
cd "$ECHOBASE_ROOT"

# Each phase's time is printed when it ends, and all of them again before the closing count.
phase="" phase_started=0 phase_lines=()
end_phase() {
  [[ -n $phase ]] || return 0
  phase_lines+=("$(printf '%6d s  %s' $((SECONDS - phase_started)) "$phase")")
  printf '==> %s: %d s\n' "$phase" $((SECONDS - phase_started))
  phase=""
}
step() {
  end_phase
  phase="$*" phase_started=$SECONDS
  printf '\n==> %s\n' "$*"
}
finish() {
  end_phase
  printf '\nphase times:\n'
  printf '  %s\n' "${phase_lines[@]}"
  printf '  %6d s  in all\n' "$SECONDS"
  node scripts/test-summary.mjs
}
export TURBO_TELEMETRY_DISABLED=1 ECHOBASE_RUNTIME=native

step "dependencies"
./scripts/install-deps.sh
ensure_npm_packages

# Fresh results only: the summary must count this run, not an earlier one.
find apps packages e2e -name .test-results -type d -prune -exec rm -rf {} +
trap finish EXIT

step "build, lint, typecheck, unit tests"
npx turbo run build lint typecheck test

step "the ci durable layer"
./durable/setup.sh ci
eval "$(echobase durable env ci --export --operator)"

step "integration tests (against the ci durable layer)"
npx turbo run test:integration --concurrency=1

step "end-to-end tests (Chromium against green deployed on ci)"
npm run test:e2e -w @echobase/e2e
