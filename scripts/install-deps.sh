#!/usr/bin/env bash
# Installs what the native runtime and the tests need, skipping whatever is already there:
#   - Debian packages (needs root): MariaDB, nginx + its Lua module, Prometheus, supervisor (runs
#     every native process and restarts it), Java 17 and Maven (ElasticMQ), Chromium,
#     docker-compose (to validate the compose files), shellcheck;
#   - moto[server], pinned, into the project's own venv (.echobase/tools/venv);
#   - ElasticMQ, pinned, resolved by Maven into .echobase/tools/elasticmq;
#   - Jaeger v2 (trace collector and store), pinned, built with Go into .echobase/tools/jaeger;
#   - Node of .node-version into .echobase/tools when the system's is older (scripts/lib).
# Usage: sudo ./scripts/install-deps.sh
set -euo pipefail
# shellcheck source=scripts/lib/echobase.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/echobase.sh"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
packages=(mariadb-server mariadb-client nginx libnginx-mod-http-lua prometheus supervisor
  openjdk-17-jre-headless maven curl chromium docker-compose shellcheck)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if ((${#missing[@]} > 0)); then
  if [[ $EUID -ne 0 ]]; then
    echo "install-deps: missing Debian packages: ${missing[*]}; run this script as root (sudo $0)" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]} (about 30 s on a fresh machine)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian starts nothing here, but on machines where the packages' own services did start,
# they would hold the ports the project's private instances use.
for svc in mariadb nginx prometheus; do
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
    echo "install-deps: note: the system's own $svc service is running; stop it if its ports clash" >&2
  fi
done

venv="$root/.echobase/tools/venv"
requirements="$root/packages/ops/native/requirements.txt"
if ! cmp -s "$requirements" "$venv/.installed-requirements.txt" 2>/dev/null; then
  echo "install-deps: installing moto into $venv (pinned in packages/ops/native/requirements.txt)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-warn-script-location -r "$requirements" 2> >(grep -v "^WARNING: Location" >&2)
  cp "$requirements" "$venv/.installed-requirements.txt"
fi

# ElasticMQ: Maven resolves the pinned server and its dependencies (through the machine's own
# Maven settings) into a folder the supervisor runs with Java. One start recorded as a class-data
# archive (-XX:ArchiveClassesAtExit, with every SQS call the project makes) makes every later
# start about half as long. Either file changing installs afresh.
emq="$root/.echobase/tools/elasticmq"
pom="$root/packages/ops/native/elasticmq/pom.xml"
recorder="$root/packages/ops/native/elasticmq/record-archive.sh"
if ! cat "$pom" "$recorder" | cmp -s - "$emq/.installed" 2>/dev/null; then
  echo "install-deps: installing ElasticMQ into $emq (pinned in packages/ops/native/elasticmq/pom.xml)"
  rm -rf "$emq"
  mkdir -p "$emq"
  if ! mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$emq/lib" >"$emq/maven.log" 2>&1; then
    echo "install-deps: Maven could not resolve ElasticMQ; its output is in $emq/maven.log:" >&2
    grep -m 5 ERROR "$emq/maven.log" >&2 || tail -n 5 "$emq/maven.log" >&2
    exit 1
  fi
  if ! "$recorder" "$emq" "$emq/elasticmq.jsa"; then
    echo "install-deps: ElasticMQ did not start once to record its class archive; see $emq/archive.log" >&2
    exit 1
  fi
  cat "$pom" "$recorder" >"$emq/.installed"
fi

# Jaeger: built from its Go module (pinned with every dependency in packages/ops/native/jaeger),
# through the machine's own Go module proxy. Several minutes the first time on a machine, seconds
# once Go's caches hold it. Either file changing builds afresh.
jaeger="$root/.echobase/tools/jaeger"
jaeger_mod="$root/packages/ops/native/jaeger"
if ! cat "$jaeger_mod/go.mod" "$jaeger_mod/go.sum" | cmp -s - "$jaeger/.installed" 2>/dev/null; then
  go=$(command -v go || echo /usr/local/go/bin/go)
  [[ -x $go ]] || {
    echo "install-deps: Jaeger is built with Go ($(sed -n 's/^go //p' "$jaeger_mod/go.mod") or newer), which is not installed" >&2
    exit 1
  }
  echo "install-deps: building Jaeger into $jaeger (pinned in packages/ops/native/jaeger/go.mod; minutes on a new machine)"
  rm -rf "$jaeger"
  mkdir -p "$jaeger"
  if ! (cd "$jaeger_mod" && GOFLAGS=-mod=readonly "$go" build -trimpath -o "$jaeger/jaeger" github.com/jaegertracing/jaeger/cmd/jaeger) >"$jaeger/build.log" 2>&1; then
    echo "install-deps: Go could not build Jaeger; its output is in $jaeger/build.log:" >&2
    tail -n 5 "$jaeger/build.log" >&2
    exit 1
  fi
  cat "$jaeger_mod/go.mod" "$jaeger_mod/go.sum" >"$jaeger/.installed"
fi

echo "install-deps: all dependencies present"
