# PostgreSQL with pg_cron for session-sweeper.
#
# Build:  docker build -f db.Dockerfile -t session-sweeper-db .
# Run:    docker run -e POSTGRES_USER=app -e POSTGRES_PASSWORD=secret -e POSTGRES_DB=app ...
#
# Works FROM the official postgres image and FROM the offline stand-in built by
# scripts/docker-offline-base.sh (same name, same entrypoint contract). Needs no files from
# the build context, so any context (even a project root, with a .dockerignore) will do.
#
# pg_cron settings:
#   - shared_preload_libraries, cron.use_background_workers, max_worker_processes: static,
#     appended to the postgresql.conf.sample that initdb copies into every new PGDATA.
#   - cron.database_name must be the app database, i.e. follow POSTGRES_DB at run time, so an
#     init script (run once, on the first start, by the image's entrypoint) writes it with
#     ALTER SYSTEM into $PGDATA/postgresql.auto.conf; the real server started after init
#     reads it. (CMD `-c` args would work too, but are lost whenever CMD is overridden.)
#   - The extension itself is left to the app's migrations:
#     CREATE EXTENSION IF NOT EXISTS pg_cron;  (in POSTGRES_DB, by a superuser)
ARG PG_MAJOR=15
FROM postgres:${PG_MAJOR}-bookworm

# an ARG before FROM is not visible after it: declare it again
ARG PG_MAJOR=15

RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends "postgresql-${PG_MAJOR}-cron"; \
    rm -rf /var/lib/apt/lists/*; \
    { \
      echo; \
      echo '# --- session-sweeper: pg_cron ---'; \
      echo "shared_preload_libraries = 'pg_cron'"; \
      echo 'cron.use_background_workers = on'; \
      echo 'max_worker_processes = 20'; \
    } >> "/usr/share/postgresql/${PG_MAJOR}/postgresql.conf.sample"; \
    printf '%s\n' \
      '#!/bin/sh' \
      '# pg_cron runs its jobs in one database: the app database (POSTGRES_DB).' \
      'set -e' \
      'psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \' \
      '  --set db="$POSTGRES_DB" <<'"'"'SQL'"'"'' \
      "ALTER SYSTEM SET cron.database_name = :'db';" \
      'SQL' \
      > /docker-entrypoint-initdb.d/10-pg-cron-database.sh; \
    chmod 755 /docker-entrypoint-initdb.d/10-pg-cron-database.sh; \
    cat /docker-entrypoint-initdb.d/10-pg-cron-database.sh

# TCP on loopback, not the socket: the entrypoint's temporary init server listens on the
# socket only, so this turns healthy only once the real server is up.
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=5 \
  CMD pg_isready -q -h 127.0.0.1 -p 5432 -U "${POSTGRES_USER:-postgres}" -d "${POSTGRES_DB:-${POSTGRES_USER:-postgres}}" || exit 1
