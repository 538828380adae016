#!/usr/bin/env bash
# install-docker.sh - Docker engine + Compose v2 (+ buildx) on Debian 12 without systemd
# and without Docker's own apt repository. Idempotent; needs root.
#
#   engine:   bookworm's docker.io (20.10.x, API 1.41)
#   compose:  trixie's docker-compose .deb (Compose v2.26, a static Go binary that only
#             needs libc6 >= 2.34) installed with apt from the downloaded file; bookworm's
#             own docker-compose package is Compose v1 (python), so it is not used
#   buildx:   trixie's docker-buildx the same way, so `docker build` uses BuildKit
#   dockerd:  started in the background (no systemd), log in /var/log/dockerd.log
#
# The trixie list is read into a private apt state under $TRIXIE_DIR: nothing is added to
# /etc/apt, and no other package comes from trixie.
set -euo pipefail

TRIXIE_DIR=${TRIXIE_DIR:-/var/cache/docker-trixie-debs}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
log() { printf '[install-docker] %s\n' "$*" >&2; }

export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1
if ! dpkg -s docker.io debootstrap >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq docker.io debootstrap >/dev/null
  log "installed docker.io, debootstrap"
fi

trixie_pkgs=()
[[ -x /usr/libexec/docker/cli-plugins/docker-compose ]] || trixie_pkgs+=(docker-compose)
[[ -x /usr/libexec/docker/cli-plugins/docker-buildx ]] || trixie_pkgs+=(docker-buildx)
if ((${#trixie_pkgs[@]})); then
  mkdir -p "$TRIXIE_DIR/lists/partial" "$TRIXIE_DIR/cache/archives/partial"
  cat >"$TRIXIE_DIR/trixie.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  apt_trixie=(-o "Dir::Etc::SourceList=$TRIXIE_DIR/trixie.sources" -o Dir::Etc::SourceParts=/dev/null
              -o "Dir::State::Lists=$TRIXIE_DIR/lists" -o "Dir::Cache=$TRIXIE_DIR/cache")
  apt-get "${apt_trixie[@]}" update -qq
  (cd "$TRIXIE_DIR" && rm -f ./*.deb && apt-get "${apt_trixie[@]}" download "${trixie_pkgs[@]}" 2>/dev/null)
  apt-get install -y -qq "$TRIXIE_DIR"/*.deb >/dev/null
  log "installed from trixie: ${trixie_pkgs[*]}"
fi

if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || { tail -20 /var/log/dockerd.log >&2; log "dockerd did not come up"; exit 1; }
fi
log "$(docker version --format 'docker client {{.Client.Version}}, engine {{.Server.Version}}'), storage $(docker info --format '{{.Driver}}')"
log "$(docker compose version)"
