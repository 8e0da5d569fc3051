#!/bin/sh
# One-shot schema job (admin-tools image): creates Temporal's two databases on first start and applies newer schema
# versions on every start, so `docker compose up` after a Temporal upgrade migrates the schema. `npm run test:cluster`
# runs it too, outside the image: with temporal-sql-tool on PATH and TEMPORAL_SCHEMA_DIR naming the release's schema.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${SQL_PASSWORD:?SQL_PASSWORD is required}"
PORT="${DB_PORT:-5432}"
SCHEMA_ROOT="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema}/postgresql/v12"

# The image has nc; where it is missing the first sql-tool call reports an unreachable database just as clearly.
if command -v nc >/dev/null 2>&1; then
  echo "waiting for PostgreSQL at ${POSTGRES_SEEDS}:${PORT}"
  nc -z -w 10 "$POSTGRES_SEEDS" "$PORT"
fi

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -u "$POSTGRES_USER" -p "$PORT" "$@"
}

prepare() {
  database="$1"
  versioned="$2"
  # `create` and `setup-schema -v 0.0` leave a database that has them alone (temporal-sql-tool treats an existing
  # database and a versioned schema as done), so every start only applies the newer versions.
  sql_tool --db "$database" create
  sql_tool --db "$database" setup-schema -v 0.0
  sql_tool --db "$database" update-schema -d "$versioned"
}

prepare "${DBNAME:-temporal}" "$SCHEMA_ROOT/temporal/versioned"
prepare "${VISIBILITY_DBNAME:-temporal_visibility}" "$SCHEMA_ROOT/visibility/versioned"
echo "PostgreSQL schema is up to date"
