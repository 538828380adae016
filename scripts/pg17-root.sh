#!/usr/bin/env bash
# pg17-root.sh DIR - unpack into DIR a Debian trixie root with PostgreSQL 17 and pg_cron 1.6, which
# src/dev/embedded-postgres.ts runs under chroot when PG_CHROOT=DIR (this host is bookworm, which has no 17).
#
# The first run builds the root with debootstrap (~90 s, ~130 MB from Debian's archive) and keeps it as a
# tarball in $PG17_CACHE_DIR (default ~/.cache/session-sweeper); later runs only unpack that (a few seconds).
# Needs root (debootstrap, chroot); installs debootstrap with apt if it is missing.
set -euo pipefail

dir=${1:?usage: pg17-root.sh DIR}
cache=${PG17_CACHE_DIR:-$HOME/.cache/session-sweeper}
tarball=$cache/trixie-postgresql-17.tar.gz
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

log() { printf '[pg17-root] %s\n' "$*" >&2; }
[[ $(id -u) == 0 ]] || { log "needs root (debootstrap, chroot)"; exit 1; }

build() {
  if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  fi
  # not local: the EXIT trap reads them after build returns (build runs in its own subshell)
  root=$(mktemp -d /tmp/pg17-root-build.XXXXXX)
  out=$root.log
  # --one-file-system: never descend into a proc a failed debootstrap left mounted
  trap 'umount "$root/proc" 2>/dev/null || true; rm -rf --one-file-system "$root" "$out"' EXIT
  log "debootstrap trixie from $mirror (first run only, ~90 s)"
  if ! debootstrap --variant=minbase trixie "$root" "$mirror" >"$out" 2>&1; then tail -n 30 "$out" >&2; exit 1; fi
  # The packages' scripts would create and start a cluster ("main"): we only want the binaries.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  mkdir -p "$root/etc/postgresql-common/createcluster.d"
  echo 'create_main_cluster = false' >"$root/etc/postgresql-common/createcluster.d/session-sweeper.conf"
  mount -t proc proc "$root/proc"
  if ! chroot "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends postgresql-17 postgresql-17-cron && apt-get clean' >"$out" 2>&1; then
    tail -n 30 "$out" >&2; exit 1
  fi
  umount "$root/proc"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/usr/share/{doc,man,locale}/*
  mkdir -p "$cache"
  tar --numeric-owner -C "$root" --exclude='./dev/*' --exclude='./proc/*' -czf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  log "cached $tarball ($(du -h "$tarball" | cut -f1))"
}

[[ -f $tarball ]] || (build)
mkdir -p "$dir"
tar --numeric-owner -C "$dir" -xzf "$tarball"
chmod 755 "$dir" # the server runs as the root's postgres user, who must reach its programs
# /dev nodes are not in the tarball: PostgreSQL needs only these (initdb writes to /dev/null, shm_open uses /dev/shm).
for node in null:1:3 zero:1:5 urandom:1:9; do
  IFS=: read -r name major minor <<<"$node"
  [[ -e $dir/dev/$name ]] || mknod -m 666 "$dir/dev/$name" c "$major" "$minor"
done
mkdir -p -m 1777 "$dir/dev/shm" "$dir/tmp"
log "$(chroot "$dir" dpkg-query -W -f '${Package} ${Version}  ' postgresql-17 postgresql-17-cron)in $dir"

