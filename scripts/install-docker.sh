#!/usr/bin/env bash
# Makes a Docker engine with the compose v2 plugin answer here, for the docker runtime and its
# tests, and puts every image the compose files pin into it:
#   - an engine that already answers is used as it is (never removed or reconfigured);
#   - else Debian's docker.io is installed and dockerd started (log: /var/log/echobase/dockerd.log),
#     and debootstrap for the stand-in images' Debian base;
#   - `docker compose` (v2) when missing: Debian 12 has only compose v1, so the plugin binary is
#     taken from the docker-compose package of Debian's next release, through the machine's own
#     Debian mirror with a private apt state (the system's apt setup is not touched);
#   - the pinned public images: present, pulled, or built as stand-ins (docker/offline/build.sh).
# Usage: sudo ./scripts/install-docker.sh
set -euo pipefail
# shellcheck source=scripts/lib/echobase.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/echobase.sh"
root=$ECHOBASE_ROOT

need_root() {
  if [[ $EUID -ne 0 ]]; then
    echo "install-docker: $1; run this script as root (sudo $0)" >&2
    exit 1
  fi
}

# debootstrap builds the Debian base of the stand-in images (docker/offline/build.sh).
missing=()
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
docker info >/dev/null 2>&1 || command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
if ((${#missing[@]} > 0)); then
  need_root "missing Debian packages: ${missing[*]}"
  echo "install-docker: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  need_root "no Docker engine answers"
  if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
    echo "install-docker: starting the docker service"
    systemctl start docker
  else
    echo "install-docker: starting dockerd (no systemd here; log in /var/log/echobase/dockerd.log)"
    mkdir -p /var/log/echobase
    nohup dockerd >>/var/log/echobase/dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 100); do
    docker info >/dev/null 2>&1 && break
    sleep 0.2
  done
  if ! docker info >/dev/null 2>&1; then
    echo "install-docker: dockerd did not answer within 20 s; the end of its log:" >&2
    tail -n 5 /var/log/echobase/dockerd.log >&2 || true
    exit 1
  fi
fi

if ! docker compose version >/dev/null 2>&1; then
  need_root "docker compose (v2) is missing"
  echo "install-docker: installing the compose v2 plugin from Debian's next release"
  mirror=$(debian_mirror)
  [[ -n $mirror ]] || { echo "install-docker: no Debian mirror in the machine's apt sources" >&2; exit 1; }
  state=$(mktemp -d)
  trap 'rm -rf "$state"' EXIT
  mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" >"$state/sources.list"
  apt=(apt-get -qq -o "Dir::State::Lists=$state/lists" -o "Dir::Etc::SourceList=$state/sources.list"
    -o Dir::Etc::SourceParts=/dev/null -o "Dir::Cache=$state/cache" -o Debug::NoLocking=1
    -o APT::Sandbox::User=root)
  "${apt[@]}" update
  (cd "$state" && "${apt[@]}" download docker-compose)
  dpkg-deb -x "$state"/docker-compose_*.deb "$state/pkg"
  install -D -m 755 "$state/pkg/usr/libexec/docker/cli-plugins/docker-compose" \
    /usr/local/lib/docker/cli-plugins/docker-compose
  docker compose version
fi

"$root/docker/offline/build.sh"
echo "install-docker: Docker engine $(docker version -f '{{.Server.Version}}'), $(docker compose version --short 2>/dev/null || docker compose version), images ready"
