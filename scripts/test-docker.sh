#!/usr/bin/env bash
# npm run test:docker - the Docker path, run for real (opt-in; `npm test` does not need Docker):
#   1. a Docker engine: the running one, else (Debian, root) tools/offline-docker/install-docker.sh installs/starts dockerd
#   2. the base images: pulled, or local stand-ins where no registry answers (tools/offline-docker/docker-offline-base.sh)
#   3. `docker compose build`: session-sweeper-db (db.Dockerfile) and session-sweeper (Dockerfile)
#   4. the whole suite on a testcontainers container built from db.Dockerfile (TEST_DATABASE_PROVIDER=docker)
#   5. `docker compose up` + the seed verification on localhost:$API_PORT, data kept across down/up,
#      no migration applied twice, and an unhealthy database keeps the api from starting
#   6. Aria's database: a volume initialised by its plain image (pgvector/pgvector:0.8.2-pg17, no pg_cron), then
#      started with db.Dockerfile built FROM it: rows intact, earlier preloads kept, migrations up, pg_cron runs jobs
#   7. everything it started is removed (containers, networks, volumes of its own compose projects and of 6);
#      images and dockerd stay
# Environment: API_PORT (default 8000), NPM_CA_FILE (CA bundle for npm inside the build; default
# $NODE_EXTRA_CA_CERTS), TESTCONTAINERS_RYUK_DISABLED / TESTCONTAINERS_HOST_OVERRIDE (guessed if unset).
set -euo pipefail
cd "$(dirname "$0")/.."

export API_PORT=${API_PORT:-8000}
PROJECT=session-sweeper-test         # not the default project name: a user's own stack and volume are left alone
FAULT_PROJECT=session-sweeper-test-fault
ARIA_IMAGE=pgvector/pgvector:0.8.2-pg17
ARIA_DB=session-sweeper-test-aria-db     # container and volume of step 6
BASE="http://localhost:$API_PORT"
log() { printf '[test:docker] %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
compose() { docker compose -p "$PROJECT" "$@"; }
psql_aria() { compose exec -T aria-db psql -U aria -d aria -XAtq -c "$1"; }

fault_override=$(mktemp /tmp/session-sweeper-unhealthy.XXXXXX.yml)
teardown() {
  docker compose -p "$PROJECT" down -v --remove-orphans >/dev/null 2>&1 || true
  docker compose -p "$FAULT_PROJECT" -f docker-compose.yml -f "$fault_override" down -v --remove-orphans >/dev/null 2>&1 || true
  rm -f "$fault_override"
  docker rm -f "$ARIA_DB" >/dev/null 2>&1 || true
  docker volume rm -f "$ARIA_DB" >/dev/null 2>&1 || true
}
trap teardown EXIT

t_all=$(now)
missing=(); for tool in curl jq; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if ((${#missing[@]})); then
  [[ $(id -u) == 0 && -r /etc/debian_version ]] || die "needs ${missing[*]}: apt-get install -y ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# 1. engine (bounded: a hung daemon socket would block forever)
if ! timeout 20 docker info >/dev/null 2>&1; then
  [[ $(id -u) == 0 && -r /etc/debian_version ]] || die "no Docker engine answers: start Docker and run again"
  tools/offline-docker/install-docker.sh
fi

# 2. base images
t=$(now); tools/offline-docker/docker-offline-base.sh; base_time=$(since "$t")

# 3. images. Behind a TLS-intercepting proxy npm needs its CA: handed to the build as a secret, never stored.
if [[ -z ${NPM_CA_FILE:-} && -n ${NODE_EXTRA_CA_CERTS:-} && -r ${NODE_EXTRA_CA_CERTS} ]]; then
  export NPM_CA_FILE=$NODE_EXTRA_CA_CERTS
fi
t=$(now); compose build --quiet; build_time=$(since "$t")
log "images built in $build_time: $(docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^session-sweeper(-db)?:latest' | tr '\n' ' ')"

# 4. the suite through testcontainers
if [[ -z ${TESTCONTAINERS_RYUK_DISABLED:-} ]]; then
  ryuk=$(grep -o 'testcontainers/ryuk:[0-9.]*' node_modules/testcontainers/build/reaper/reaper.js | head -1)
  if ! docker image inspect "$ryuk" >/dev/null 2>&1 && ! timeout 30 docker pull -q "$ryuk" >/dev/null 2>&1; then
    log "$ryuk cannot be pulled: TESTCONTAINERS_RYUK_DISABLED=true (the suite stops its container itself)"
    export TESTCONTAINERS_RYUK_DISABLED=true
  fi
fi
# dockerd in this very machine: its published ports are on localhost (testcontainers would otherwise guess
# a bridge gateway whenever /.dockerenv exists, as it does in some VMs)
if [[ -z ${TESTCONTAINERS_HOST_OVERRIDE:-} && -z ${DOCKER_HOST:-} ]] && pgrep -x dockerd >/dev/null; then
  export TESTCONTAINERS_HOST_OVERRIDE=localhost
fi
t=$(now); TEST_DATABASE_PROVIDER=docker npm test; suite_time=$(since "$t")

# 5. the compose stack
t=$(now); compose up -d --wait; up_time=$(since "$t")
session=$(curl -fsS -X POST "$BASE/api/engine/sessions" -H 'Content-Type: application/json' \
  -d '{"agent_id":"test","title":"ghost-test"}')
log "POST /api/engine/sessions -> $session"
purge=$(curl -fsS -X DELETE "$BASE/api/engine/sessions/ghosts?older_than_minutes=0")
log "DELETE /api/engine/sessions/ghosts?older_than_minutes=0 -> $purge"
[[ $(jq -c '{deleted, status}' <<<"$purge") == '{"deleted":1,"status":"ok"}' ]] || die "purge answered $purge"
compose exec -T aria-db psql -U aria -d aria -c "SELECT COUNT(*) FROM engine_chat_sessions WHERE message_count=0;"
[[ $(psql_aria 'SELECT COUNT(*) FROM engine_chat_sessions WHERE message_count=0') == 0 ]] || die "ghosts left"
compose exec -T aria-db psql -U aria -d aria -c "SELECT * FROM cron.job"
jobs=$(psql_aria "SELECT string_agg(jobname, ',' ORDER BY jobname) FROM cron.job WHERE active")
[[ $jobs == session_sweeper.cron-history-cleanup,session_sweeper.ghost-sessions-purge,session_sweeper.old-sessions-prune ]] || die "cron jobs: $jobs"

# data survives `up` again and `down` + `up` (named volume); no migration runs twice
kept=$(curl -fsS -X POST "$BASE/api/engine/sessions" -H 'Content-Type: application/json' \
  -d '{"agent_id":"test","title":"kept"}' | jq -r .id)
curl -fsS -X POST "$BASE/api/engine/sessions/$kept/messages" -H 'Content-Type: application/json' \
  -d '{"role":"user","content":"hello"}' >/dev/null
compose up -d --wait
compose down
compose up -d --wait
curl -fsS "$BASE/api/engine/sessions/$kept" | jq -e '.message_count == 1' >/dev/null || die "session $kept lost after down/up"
compose logs migrate | grep -q 'no migration to apply' || die "migrate after down/up: $(compose logs migrate)"
[[ $(psql_aria 'SELECT count(*) FROM session_sweeper.pgmigrations') == $(ls migrations | wc -l) ]] || die "pgmigrations has duplicates"
log "after down + up: session $kept and its message kept, migrate applied nothing"
compose down -v

# an unhealthy database: compose must not start migrate or the api
cat >"$fault_override" <<'YAML'
services:
  aria-db:
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
      retries: 2
      start_period: 1s
YAML
fault() { docker compose -p "$FAULT_PROJECT" -f docker-compose.yml -f "$fault_override" "$@"; }
if fault up -d --wait 2>"$fault_override.err"; then die "compose up succeeded with an unhealthy database"; fi
grep -i unhealthy "$fault_override.err" >&2 || true; rm -f "$fault_override.err"
states=$(fault ps -a --format '{{.Service}}={{.State}}' | sort | tr '\n' ' ')
log "unhealthy database: $states"
[[ $states != *api=running* && $states != *migrate=exited* ]] || die "api/migrate ran on an unhealthy database: $states"
if curl -fsS -m 2 "$BASE/healthz" >/dev/null 2>&1; then die "something answers on $BASE with an unhealthy database"; fi


# 6. Aria's database: its volume, made by its own image, then started with ours
t=$(now)
docker build -q --build-arg BASE_IMAGE="$ARIA_IMAGE" -t session-sweeper-db:pg17 - <db.Dockerfile >/dev/null
aria_db_start() { # image: Aria's aria-db settings, its volume, a port on 127.0.0.1 for our migrations
  docker run -d --name "$ARIA_DB" -e POSTGRES_USER=admin -e POSTGRES_PASSWORD=admin -e POSTGRES_DB=aria_warehouse \
    -v "$ARIA_DB:/var/lib/postgresql/data" -p 127.0.0.1::5432 "$1" >/dev/null
  for _ in $(seq 1 120); do
    docker exec "$ARIA_DB" pg_isready -q -h 127.0.0.1 -U admin -d aria_warehouse && return
    sleep 0.5
  done
  docker logs "$ARIA_DB" >&2; die "$1 did not start on volume $ARIA_DB"
}
aria_db_stop() { docker stop "$ARIA_DB" >/dev/null; docker rm "$ARIA_DB" >/dev/null; }
aria_psql() { docker exec -i "$ARIA_DB" psql -U admin -d aria_warehouse -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
rows_digest="select count(*) || ' rows, md5 ' || md5(string_agg(id || ':' || embedding::text, ',' order by id)) from kept"
docker volume rm -f "$ARIA_DB" >/dev/null

aria_db_start "$ARIA_IMAGE"
[[ $(aria_psql "select count(*) from pg_available_extensions where name = 'pg_cron'") == 0 ]] || die "$ARIA_IMAGE has pg_cron"
aria_psql "create extension vector; create table kept (id int primary key, embedding vector(3));
           insert into kept select g, array[g, g / 2.0, -g]::vector from generate_series(1, 10000) g" >/dev/null
aria_psql "alter system set shared_preload_libraries = 'pg_stat_statements'" >/dev/null  # an operator's own preload
before=$(aria_psql "$rows_digest")
aria_db_stop

aria_db_start session-sweeper-db:pg17
after=$(aria_psql "$rows_digest")
[[ $after == "$before" ]] || die "data changed on the volume: $before before, $after after"
preload=$(aria_psql 'show shared_preload_libraries'); cron_db=$(aria_psql 'show cron.database_name')
[[ $preload == pg_stat_statements,pg_cron && $cron_db == aria_warehouse ]] ||
  die "shared_preload_libraries=$preload cron.database_name=$cron_db"
DATABASE_URL="postgres://admin:admin@$(docker port "$ARIA_DB" 5432/tcp)/aria_warehouse" npm run --silent migrate -- up >/dev/null
jobs=$(aria_psql "select string_agg(jobname, ',' order by jobname) from cron.job")
[[ $jobs == session_sweeper.cron-history-cleanup,session_sweeper.ghost-sessions-purge,session_sweeper.old-sessions-prune ]] || die "cron jobs on Aria's database: $jobs"
# pg_cron runs jobs: one every second (pg_cron 1.5+), which must succeed twice within 20 s
aria_psql "select cron.schedule('docker-volume-check', '1 second', 'select 1')" >/dev/null
for _ in $(seq 1 40); do
  runs=$(aria_psql "select count(*) from cron.job_run_details d join cron.job j using (jobid)
                    where j.jobname = 'docker-volume-check' and d.status = 'succeeded'")
  ((runs >= 2)) && break
  sleep 0.5
done
((runs >= 2)) || die "pg_cron ran no job on Aria's volume: $(aria_psql 'select status, return_message from cron.job_run_details')"
aria_db_stop
docker volume rm "$ARIA_DB" >/dev/null
aria_time=$(since "$t")
log "Aria's volume ($ARIA_IMAGE, then session-sweeper-db:pg17): $after kept; preload $preload; cron.database_name $cron_db;" \
  "$jobs scheduled; a 1-second job succeeded $runs times ($aria_time)"

log "all green. offline base images $base_time, image build $build_time, suite via testcontainers $suite_time, compose up $up_time, Aria's volume $aria_time, total $(since "$t_all")"
