#!/usr/bin/env bash
# Small re-implementation of the official postgres image's docker-entrypoint.sh.
# On the first start (empty $PGDATA) it:
#   initdb as $POSTGRES_USER with $POSTGRES_PASSWORD; pg_hba: trust on the local socket and
#   loopback, $POSTGRES_HOST_AUTH_METHOD (scram-sha-256) for every other host;
#   starts a temporary server on the unix socket only (listen_addresses=''), with the same
#   extra args as the real one; creates $POSTGRES_DB; runs /docker-entrypoint-initdb.d/*
#   (*.sh executed or sourced, *.sql, *.sql.gz); stops the temporary server.
# Then it execs the command (`postgres ...`) as the postgres user. So, like the official
# image, a first start logs "database system is ready to accept connections" twice.
set -Eeo pipefail

# `docker run IMAGE -c foo=bar` means `postgres -c foo=bar`
if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

# anything but a server start (another command, `postgres --version`, `-C setting`): just run it
wants_help() {
  local arg
  for arg; do case "$arg" in '-?' | --help | --describe-config | -V | --version | -C) return 0 ;; esac; done
  return 1
}
if [ "$1" != 'postgres' ] || wants_help "$@"; then exec "$@"; fi

# running as root: fix ownership, then re-run this script as postgres
if [ "$(id -u)" = '0' ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"; chmod 700 "$PGDATA"
  mkdir -p /var/run/postgresql; chown postgres:postgres /var/run/postgresql; chmod 3777 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

export POSTGRES_USER="${POSTGRES_USER:-postgres}"
export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
export POSTGRES_HOST_AUTH_METHOD="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    echo >&2 'error: database is uninitialized and POSTGRES_PASSWORD is not set'
    echo >&2 '       (set it, or POSTGRES_HOST_AUTH_METHOD=trust to allow all connections without one)'
    exit 1
  fi

  # shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a word list on purpose
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS

  printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"

  # as the official image: init scripts' psql calls can authenticate even if
  # POSTGRES_INITDB_ARGS made the local socket ask for a password
  export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"

  # temporary server: unix socket only, so nothing outside sees it ready too early
  PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -w start \
    -o "$(printf '%q ' "${@:2}" -c listen_addresses='' -p "${PGPORT:-5432}")"

  psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
  if [ "$POSTGRES_DB" != postgres ]; then
    "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
  fi
  psql+=(--dbname "$POSTGRES_DB")

  echo
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh)
        # shellcheck disable=SC1090
        if [ -x "$f" ]; then echo "$0: running $f"; "$f"; else echo "$0: sourcing $f"; . "$f"; fi ;;
      *.sql)    echo "$0: running $f"; "${psql[@]}" -f "$f" ;;
      *.sql.gz) echo "$0: running $f"; gunzip -c "$f" | "${psql[@]}" ;;
      *)        [ -e "$f" ] && echo "$0: ignoring $f" ;;
    esac
  done

  PGUSER="$POSTGRES_USER" pg_ctl -D "$PGDATA" -m fast -w stop
  unset PGPASSWORD
  echo
  echo 'PostgreSQL init process complete; ready for start up.'
  echo
else
  echo
  echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
  echo
fi

exec "$@"
