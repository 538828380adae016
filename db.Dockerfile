# PostgreSQL with pg_cron for session-sweeper.
#
# Build:  docker build -f db.Dockerfile -t session-sweeper-db .
#         docker build -f db.Dockerfile --build-arg BASE_IMAGE=pgvector/pgvector:0.8.2-pg17 -t session-sweeper-db:pg17 .
# Run:    docker run -e POSTGRES_USER=app -e POSTGRES_PASSWORD=secret -e POSTGRES_DB=app ...
#
# BASE_IMAGE is the official postgres image or one built FROM it (pgvector/pgvector, Aria's), or the offline
# stand-ins built by tools/offline-docker/docker-offline-base.sh (same names, same entrypoint contract): it must set
# PG_MAJOR, and apt must find postgresql-$PG_MAJOR-cron (the official images list apt.postgresql.org).
# Needs no files from the build context, so any context (even a project root, with a .dockerignore) will do.
#
# pg_cron settings are passed on every start as `postgres -c ...` by the entrypoint below, which wins over
# postgresql.conf and postgresql.auto.conf. So they hold on a data volume initialised before, by an image
# without pg_cron (postgresql.conf.sample and /docker-entrypoint-initdb.d act only on an empty volume, and
# Aria mounts its own init scripts there), and cron.database_name follows POSTGRES_DB:
#   shared_preload_libraries  pg_cron, added to what the data directory already preloads
#   cron.database_name        POSTGRES_DB (default POSTGRES_USER, as the official image)
#   cron.use_background_workers=on, max_worker_processes=20: jobs need no password-less localhost login
# The extension itself is left to the app's migrations: CREATE EXTENSION IF NOT EXISTS pg_cron;
ARG BASE_IMAGE=postgres:15-bookworm
FROM ${BASE_IMAGE}

RUN set -eux; \
    : "${PG_MAJOR:?the base image must set PG_MAJOR, as the official postgres images do}"; \
    apt-get update; \
    apt-get install -y --no-install-recommends "postgresql-${PG_MAJOR}-cron"; \
    rm -rf /var/lib/apt/lists/*; \
    printf '%s\n' \
      '#!/bin/sh' \
      '# session-sweeper: start PostgreSQL with pg_cron, whatever initialised $PGDATA (see db.Dockerfile).' \
      'set -e' \
      'case "$1" in -*) set -- postgres "$@" ;; esac' \
      'if [ "$1" = postgres ]; then' \
      '  shift' \
      '  preload=pg_cron' \
      '  if [ -s "$PGDATA/PG_VERSION" ]; then' \
      '    # -c replaces the whole list: keep what the data directory preloads (e.g. pg_stat_statements)' \
      '    as_postgres=; [ "$(id -u)" != 0 ] || as_postgres="setpriv --reuid=postgres --regid=postgres --clear-groups"' \
      '    current=$($as_postgres postgres -D "$PGDATA" -C shared_preload_libraries | tr -d " ")' \
      '    case ",$current," in ,,) ;; *,pg_cron,*) preload=$current ;; *) preload=$current,pg_cron ;; esac' \
      '  fi' \
      '  set -- postgres -c "shared_preload_libraries=$preload" \' \
      '    -c "cron.database_name=${POSTGRES_DB:-${POSTGRES_USER:-postgres}}" \' \
      '    -c cron.use_background_workers=on -c max_worker_processes=20 "$@"' \
      'fi' \
      'exec docker-entrypoint.sh "$@"' \
      > /usr/local/bin/session-sweeper-entrypoint.sh; \
    chmod 755 /usr/local/bin/session-sweeper-entrypoint.sh

ENTRYPOINT ["session-sweeper-entrypoint.sh"]
CMD ["postgres"]

# TCP on loopback, not the socket: the entrypoint's temporary init server listens on the
# socket only, so this turns healthy only once the real server is up.
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=5 \
  CMD pg_isready -q -h 127.0.0.1 -p 5432 -U "${POSTGRES_USER:-postgres}" -d "${POSTGRES_DB:-${POSTGRES_USER:-postgres}}" || exit 1
