#!/usr/bin/env bash
# The test command. On a fresh machine it installs what is missing, builds everything, runs
# lint, typecheck and the unit tests, then runs the same suites in each runtime on the ci
# environment:
#   native: sets up the ci durable layer as processes (MariaDB, moto, ElasticMQ, nginx), runs the
#           integration tests against it, then the automatic jobs of .gitlab-ci.yml with
#           gitlab-ci-local: setup, deploy green, the Playwright suite in Chromium against green;
#   docker: installs and starts a Docker engine when none answers, with every pinned image
#           (stand-ins built here when no registry answers), runs the README's docker commands
#           for ci as written, and for devlocal where devlocal does not exist yet (deleting it
#           afterwards), then the integration tests of the deployed pipeline, the Playwright
#           suite against green and the switch benchmark, all in containers.
# ci moves between the runtimes by being deleted (teardown --volumes): it holds test data only.
# The last line sums every test that ran.
# Usage: ./scripts/test.sh [--runtime native|docker]    (both, native first, by default)
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
export TURBO_TELEMETRY_DISABLED=1

runtimes=(native docker)
case "${1:-}" in
  "") ;;
  --runtime)
    [[ ${2:-} == native || ${2:-} == docker ]] || {
      echo "usage: ./scripts/test.sh [--runtime native|docker]" >&2
      exit 2
    }
    runtimes=("$2")
    ;;
  *)
    echo "usage: ./scripts/test.sh [--runtime native|docker]" >&2
    exit 2
    ;;
esac

# ci, set up on the other runtime by an earlier run, is deleted first (its runtime is recorded
# when it is first set up and every command follows it; see the README).
ci_on() {
  export ECHOBASE_RUNTIME=$1
  local recorded
  recorded=$(cat .echobase/ci/runtime 2>/dev/null || true)
  if [[ -n $recorded && $recorded != "$1" ]]; then
    ECHOBASE_RUNTIME="" ./durable/teardown.sh ci --volumes
    recorded=""
  fi
  # Docker containers and volumes outlive the checkout that made them: a ci left in docker by
  # another checkout of the project holds the ci ports, and a database whose credentials are not
  # here (which setup rightly refuses). ci holds test data only, so it goes too, whichever
  # runtime comes next, wherever an engine answers.
  if [[ -z $recorded ]] && docker info >/dev/null 2>&1; then
    ECHOBASE_RUNTIME=docker ./durable/teardown.sh ci --volumes
  fi
}

native_suite() {
  step "native: the ci durable layer"
  ci_on native
  ./durable/setup.sh ci
  eval "$(echobase durable env ci --export --operator)"

  step "native: integration tests (against the ci durable layer)"
  npx turbo run test:integration --concurrency=1

  # The pipeline's automatic jobs (.gitlab-ci.yml), run by gitlab-ci-local in shell mode:
  # durable:setup-ci, deploy:green, then test:green, the Playwright suite against green.
  step "native: the pipeline (durable:setup-ci, deploy:green, test:green by gitlab-ci-local)"
  npx gitlab-ci-local --no-color --json-schema-validation=false
}

# The integration tests that talk to the colours and the durable layer only through the
# runtime-neutral CLI and library (the rest drive native processes or stub apps on the colour
# ports, and refuse a docker run): the order path, the DLQ, queued orders, and the deploy flow
# (deploy, keep warm, rollback, history, retire). The e2e suite's setup is a full
# `echobase deploy` of green in docker.
docker_suite_files=(
  test/order-pipeline.test.ts test/tracing.test.ts test/dlq.test.ts test/queued-orders.test.ts test/deploy-flow.test.ts
)

# Polls `url` until it answers 200, for at most `seconds`.
await_ok() {
  local url=$1 seconds=$2 started=$SECONDS
  until curl -fsS -o /dev/null "$url"; do
    if ((SECONDS - started >= seconds)); then
      echo "test: $url did not answer 200 within ${seconds} s" >&2
      return 1
    fi
    sleep 1
  done
}

# The README's devlocal commands in docker, as written, on a machine where devlocal does not
# exist yet (a fresh clone, CI): devlocal is the user's own environment, so one that exists is
# left alone. What the commands set up is deleted afterwards.
readme_devlocal() {
  local recorded
  recorded=$(cat .echobase/devlocal/runtime 2>/dev/null || true)
  if [[ -n $recorded ]]; then
    echo "devlocal already exists here ($recorded): left alone; the README's devlocal commands run where it does not"
    return 0
  fi
  # As a newcomer's shell runs them: without the ci settings the suites exported (compose lets
  # the shell's ECHOBASE_ENV override the files).
  (
    # shellcheck disable=SC2046
    unset $(echobase durable env ci --export --operator | sed -n 's/^export \([A-Z_]*\)=.*/\1/p')
    ./durable/setup.sh devlocal
    BUILD_ID=$(git rev-parse --short=12 HEAD) \
      docker compose -f docker-compose.yml -f docker-compose.blue.yml -p echobase-blue up -d --build --wait
    npx echobase switch blue
    # Production (8080) serves blue: the catalogue through its API, the colour in a header.
    curl -fsS http://127.0.0.1:8080/api/v1/products | grep -q '"sku"'
    curl -fsS -D - -o /dev/null http://127.0.0.1:8080/health/live | grep -qi '^x-echobase-colour: blue'
    # Plain `up -d`: the root .env names both files; the build id is then `dev`.
    docker compose -p echobase-blue up -d
    await_ok http://127.0.0.1:8081/health/ready 120
    [[ $(docker inspect -f '{{.Config.Image}}' echobase-devlocal-blue-api-gateway) == echobase/api-gateway:dev ]]
    ./durable/teardown.sh devlocal --volumes
  )
}

docker_suite() {
  step "docker: the engine, the compose plugin and the pinned images"
  ./scripts/install-docker.sh

  step "docker: the README's commands for ci (durable layer, blue by docker compose, switch)"
  ci_on docker
  ./durable/setup.sh ci
  BUILD_ID=$(git rev-parse --short=12 HEAD) \
    docker compose --env-file durable/.env.ci -f docker-compose.yml -f docker-compose.blue.yml \
    -p echobase-ci-blue up -d --build --wait
  echobase switch blue --env ci
  eval "$(echobase durable env ci --export --operator)"

  step "docker: the README's commands for devlocal (durable layer, blue by docker compose, switch)"
  readme_devlocal

  step "docker: integration tests: the order path and the deploy flow (on the ci layer in docker)"
  npm run test:integration -w @echobase/ops -- "${docker_suite_files[@]}"

  step "docker: end-to-end tests (Chromium against green deployed on ci in docker)"
  npm run test:e2e -w @echobase/e2e

  # Figures, not assertions, except what must hold: no failed request, no order lost or doubled.
  step "docker: the switch benchmark (a deploy, then 100 switches under load)"
  npm run bench:switch -- --runtime docker --deploys 1
  node scripts/check-switch-results.mjs bench/results/blue-green-docker.json
}

step "dependencies"
./scripts/install-deps.sh
ensure_npm_packages

# Fresh results only: the summary must count this run, not an earlier one.
find apps packages e2e -name .test-results -type d -prune -exec rm -rf {} +
trap finish EXIT

step "build, lint, typecheck, unit tests"
npx turbo run build lint typecheck test

for runtime in "${runtimes[@]}"; do
  "${runtime}_suite"
done
