#!/usr/bin/env bash
# npm run test:pg17 [vitest args] - the suite on PostgreSQL 17 with pg_cron 1.6 (Debian trixie's packages), run
# from a trixie root under chroot (scripts/pg17-root.sh: built once, ~130 MB, then cached). Root only.
set -euo pipefail
cd "$(dirname "$0")/.."

root=$(mktemp -d /tmp/session-sweeper-pg17.XXXXXX)
# --one-file-system: never descend into anything mounted inside the root
trap 'rm -rf --one-file-system "$root"' EXIT
scripts/pg17-root.sh "$root"
# The throwaway clusters live in the tests' temporary directories, which must be inside the root.
PG_CHROOT=$root PG_BIN=/usr/lib/postgresql/17/bin TMPDIR=$root/tmp TEST_DATABASE_PROVIDER=local npx vitest run "$@"
