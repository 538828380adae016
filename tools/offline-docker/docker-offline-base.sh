#!/usr/bin/env bash
# docker-offline-base.sh - make the base images this project builds FROM available
# on a machine that cannot reach a Docker image registry.
#
# For each image below it does, in order:
#   1. `docker image inspect`  -> already there (real or stand-in): nothing to do
#   2. `docker pull` (with a short timeout) -> real upstream image: nothing else to do
#   3. build a local stand-in under the same name
#
#   debian:bookworm-slim, debian:bookworm  debootstrap --variant=minbase + docker import
#   node:20-bookworm-slim                  FROM debian:bookworm-slim + the host's Node 20 (+ npm)
#   postgres:15-bookworm                   FROM debian:bookworm-slim + Debian's postgresql-15,
#                                          with an entrypoint compatible with the official one
#   debian:trixie-slim                     debootstrap --variant=minbase + docker import
#   pgvector/pgvector:0.8.2-pg17           the same FROM debian:trixie-slim, with trixie's postgresql-17
#                                          and postgresql-17-pgvector (Aria's database image)
#
# Idempotent: run it as often as you like. Needs root (debootstrap), a running dockerd,
# debootstrap, and the Debian apt mirror configured on this machine.
#
# Environment:
#   OFFLINE_BASE_FORCE=1   rebuild the stand-ins even if the images exist (never pulls)
#   PULL_TIMEOUT=20        seconds allowed for each `docker pull`
#   DEBIAN_MIRROR=...      override the mirror read from /etc/apt/sources.list{,.d/*}
#   DEBIAN_SECURITY_MIRROR=...
#   ONLY="debian node postgres pgvector"   subset of the stand-ins to consider
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IMAGES_DIR="$SCRIPT_DIR/offline-images"
FORCE=${OFFLINE_BASE_FORCE:-0}
PULL_TIMEOUT=${PULL_TIMEOUT:-20}
ONLY=${ONLY:-"debian node postgres pgvector"}
PGVECTOR_IMAGE=pgvector/pgvector:0.8.2-pg17

CLEANUP=()
# --one-file-system: never descend into a proc/sys a failed debootstrap left mounted
cleanup() { local d; for d in "${CLEANUP[@]}"; do rm -rf --one-file-system "$d"; done; }
trap cleanup EXIT

log() { printf '[offline-base] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# run a noisy command quietly; on failure show the end of its output
run_logged() {
  local out; out=$(mktemp /tmp/offline-base-log.XXXXXX); CLEANUP+=("$out")
  if ! "$@" >"$out" 2>&1; then
    tail -n 40 "$out" >&2
    die "failed: $*"
  fi
}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

# 0 = the image is usable now (was there, or pulled); 1 = a stand-in must be built
image_available() {
  local img=$1
  [[ $FORCE == 1 ]] && return 1
  if have_image "$img"; then log "$img: present"; return 0; fi
  log "$img: not present, trying docker pull (timeout ${PULL_TIMEOUT}s)"
  if timeout "$PULL_TIMEOUT" docker pull -q "$img" >/dev/null 2>&1; then
    log "$img: pulled from registry"; return 0
  fi
  log "$img: pull failed"
  return 1
}

# Print "URI SUITE" for every enabled `deb` source of the host, one-line (.list) and
# deb822 (.sources) formats.
host_apt_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -r $f ]] || continue
    sed -E 's/#.*//; s/\[[^]]*\]//' "$f" | awk '$1 == "deb" { print $2, $3 }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -r $f ]] || continue
    awk 'BEGIN { RS = ""; FS = "\n" }
      {
        types = ""; uris = ""; suites = ""; enabled = "yes"
        for (i = 1; i <= NF; i++) {
          line = $i
          if (line ~ /^[ \t]*#/) continue
          key = tolower(line); sub(/:.*/, "", key)
          val = line; sub(/^[^:]*:[ \t]*/, "", val)
          if (key == "types") types = val
          else if (key == "uris") uris = val
          else if (key == "suites") suites = val
          else if (key == "enabled") enabled = tolower(val)
        }
        if (enabled == "no" || (" " types " ") !~ / deb /) next
        nu = split(uris, u, /[ \t]+/); ns = split(suites, s, /[ \t]+/)
        for (a = 1; a <= nu; a++) for (b = 1; b <= ns; b++) if (u[a] != "" && s[b] != "") print u[a], s[b]
      }' "$f"
  done
}

# First http(s) URI serving the given suite, or the given default.
host_mirror_for() {
  local suite=$1 default=$2 m
  m=$(host_apt_sources | awk -v s="$suite" '$2 == s && $1 ~ /^https?:\/\// { print $1; exit }')
  echo "${m:-$default}"
}

# ---------------------------------------------------------------- debian:<suite>-slim
build_debian() {
  local suite=$1
  command -v debootstrap >/dev/null || die "debootstrap not installed (apt-get install -y debootstrap)"
  [[ $(id -u) == 0 ]] || die "debootstrap needs root"
  local mirror security rootfs
  mirror=${DEBIAN_MIRROR:-$(host_mirror_for "$suite" http://deb.debian.org/debian)}
  security=${DEBIAN_SECURITY_MIRROR:-$(host_mirror_for "$suite-security" http://deb.debian.org/debian-security)}
  mirror=${mirror%/}; security=${security%/}
  log "debootstrap $suite from $mirror (security: $security)"

  rootfs=$(mktemp -d /tmp/offline-debian-rootfs.XXXXXX); CLEANUP+=("$rootfs")
  run_logged debootstrap --variant=minbase "$suite" "$rootfs" "$mirror"

  # apt sources as in the official image (deb822 file, no /etc/apt/sources.list)
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # the container tweaks of the official (debuerreotype) slim images
  cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$rootfs/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Acquire::GzipIndexes "true";' >"$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
  echo 'force-unsafe-io' >"$rootfs/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
  # never start services from maintainer scripts during image builds
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"; chmod 755 "$rootfs/usr/sbin/policy-rc.d"
  # slim it: what the dpkg excludes above would have kept out, plus caches and logs
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$rootfs"/usr/share/{man,info,lintian}/* "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/* \
    "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old "$rootfs"/tmp/* "$rootfs"/root/.bash_history
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  : >"$rootfs/etc/machine-id"
  echo debian >"$rootfs/etc/hostname"

  tar --numeric-owner --xattrs -C "$rootfs" \
      --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . |
    docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'CMD ["bash"]' \
      --message "offline stand-in: debootstrap --variant=minbase $suite $mirror" \
      - "debian:$suite-slim" >/dev/null
  # smoke test: apt must know where to fetch from
  docker run --rm "debian:$suite-slim" sh -c 'test -s /etc/apt/sources.list.d/debian.sources && apt-get --version >/dev/null' ||
    die "debian:$suite-slim stand-in is broken"
}

# ---------------------------------------------------------------- node:20-bookworm-slim
build_node() {
  local node npm_dir ctx ver
  node=$(command -v node) || die "node not found on the host"
  node=$(readlink -f "$node")
  ver=$("$node" --version)
  [[ $ver == v20.* ]] || die "host node is $ver, need v20.x for node:20-bookworm-slim"
  npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")   # .../node_modules/npm
  [[ -f $npm_dir/package.json ]] || die "cannot find npm's package dir (got $npm_dir)"
  # the host binary must only need libraries that debian:bookworm-slim has
  if ldd "$node" | grep -q 'not found'; then die "host node has missing libs: $(ldd "$node")"; fi

  ctx=$(mktemp -d /tmp/offline-node-ctx.XXXXXX); CLEANUP+=("$ctx")
  mkdir -p "$ctx/usr/local/bin" "$ctx/usr/local/lib/node_modules" "$ctx/usr/local/include"
  cp "$node" "$ctx/usr/local/bin/node"
  cp -a "$npm_dir" "$ctx/usr/local/lib/node_modules/npm"
  local corepack_dir="${npm_dir%/npm}/corepack"
  [[ -d $corepack_dir ]] && cp -a "$corepack_dir" "$ctx/usr/local/lib/node_modules/corepack"
  local inc="${node%/bin/node}/include/node"
  [[ -d $inc ]] && cp -a "$inc" "$ctx/usr/local/include/node"
  cp "$IMAGES_DIR/node.Dockerfile" "$IMAGES_DIR/node-entrypoint.sh" "$ctx/"
  log "building node:20-bookworm-slim with host node $ver, npm $(npm --version)"
  run_logged docker build -f "$ctx/node.Dockerfile" --build-arg "NODE_VERSION=${ver#v}" -t node:20-bookworm-slim "$ctx"
  docker run --rm node:20-bookworm-slim sh -c 'node --version && npm --version' >&2
}

# ---------------------------------------------------------------- postgres:15-bookworm
build_postgres() {
  log "building postgres:15-bookworm from Debian's postgresql-15"
  run_logged docker build -f "$IMAGES_DIR/postgres.Dockerfile" --build-arg PG_MAJOR=15 \
    -t postgres:15-bookworm "$IMAGES_DIR"
  docker run --rm postgres:15-bookworm postgres --version >&2
}

# ---------------------------------------------------------------- pgvector/pgvector:0.8.2-pg17
build_pgvector() {
  log "building $PGVECTOR_IMAGE from trixie's postgresql-17 and postgresql-17-pgvector"
  run_logged docker build -f "$IMAGES_DIR/postgres.Dockerfile" --build-arg BASE=debian:trixie-slim \
    --build-arg PG_MAJOR=17 --build-arg EXTRA_PACKAGES=postgresql-17-pgvector -t "$PGVECTOR_IMAGE" "$IMAGES_DIR"
  docker run --rm "$PGVECTOR_IMAGE" postgres --version >&2
}

timed() {
  local what=$1 t0; shift
  t0=$(date +%s.%N)
  "$@"
  log "$what: stand-in built in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
}

docker info >/dev/null 2>&1 || die "docker daemon not reachable (start dockerd first)"

for what in $ONLY; do
  case $what in
    debian)
      if ! image_available debian:bookworm-slim; then timed debian:bookworm-slim build_debian bookworm; fi
      # debian:bookworm: the real one if it can be had, else the slim stand-in under that name too
      if ! image_available debian:bookworm; then
        docker tag debian:bookworm-slim debian:bookworm; log "debian:bookworm: tagged from debian:bookworm-slim"
      fi ;;
    node)
      image_available node:20-bookworm-slim || timed node:20-bookworm-slim build_node ;;
    postgres)
      image_available postgres:15-bookworm || timed postgres:15-bookworm build_postgres ;;
    pgvector)
      if ! image_available "$PGVECTOR_IMAGE"; then
        image_available debian:trixie-slim || timed debian:trixie-slim build_debian trixie
        timed "$PGVECTOR_IMAGE" build_pgvector
      fi ;;
    *) die "unknown image set '$what' in ONLY" ;;
  esac
done
log "done: $(docker image ls --format '{{.Repository}}:{{.Tag}}' | grep -E '^(debian|node|postgres|pgvector/pgvector):' | sort | tr '\n' ' ')"
