#!/usr/bin/env bash
# Sourced by the repo's scripts: helpers to install the npm packages, build, and run the
# echobase CLI from this checkout.

ECHOBASE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export ECHOBASE_ROOT
# The e2e suite drives Debian's Chromium (install-deps.sh); Playwright never downloads one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# Node: the system's when it is at least the major of .node-version, else that exact release
# from the npm registry (the node-linux-<arch> package ships the binary and the headers that
# node-gyp builds against), unpacked once under .echobase/tools and put first on PATH, so every
# script, npm, turbo, the CLI and the apps it starts all run on it.
ensure_node() {
  local want major have arch dir tmp
  want=$(<"$ECHOBASE_ROOT/.node-version")
  major=${want%%.*}
  have=$(node -p 'process.versions.node' 2>/dev/null || echo 0)
  ((${have%%.*} >= major)) && return 0
  case $(uname -m) in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *)
      echo "echobase: Node $major or newer is needed (found $have); install it for $(uname -m)" >&2
      return 1
      ;;
  esac
  dir="$ECHOBASE_ROOT/.echobase/tools/node-v$want-linux-$arch"
  if [[ ! -x $dir/bin/node ]]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "echobase: Node $major or newer is needed and there is no npm to fetch it with; install Node $major" >&2
      return 1
    fi
    echo "echobase: installing Node $want into $dir (the system has ${have/#0/none}; the project needs $major+)" >&2
    tmp=$(mktemp -d)
    if ! (cd "$tmp" && npm pack --silent --loglevel=error "node-linux-$arch@$want" >/dev/null &&
      tar -xzf node-linux-*.tgz); then
      rm -rf "$tmp"
      echo "echobase: could not fetch node-linux-$arch@$want from the npm registry" >&2
      return 1
    fi
    mkdir -p "$(dirname "$dir")"
    rm -rf "$dir"
    mv "$tmp/package" "$dir"
    rm -rf "$tmp"
  fi
  export PATH="$dir/bin:$PATH" npm_config_nodedir="$dir"
}
ensure_node || exit 1

# npm ci when node_modules is missing or older than the lock file.
# The Debian mirror the machine's own apt sources name (deb822 or one-line format): builds of
# the docker stand-ins and the compose plugin fetch from it, never from a name written here.
debian_mirror() {
  find /etc/apt -maxdepth 2 \( -name '*.sources' -o -name sources.list -o -name '*.list' \) \
    -exec sed -n 's/^URIs: *\([^ ]*\).*/\1/p; s/^deb \(\[[^]]*\] \)\?\([^ ]*\) bookworm .*/\2/p' {} + |
    head -n 1
}

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
