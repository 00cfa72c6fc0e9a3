#!/bin/sh
# One-shot schema setup for the Temporal server in docker-compose.yml, run in temporalio/admin-tools
# (the route Temporal documents for server 1.29 in samples-server/compose, now that the auto-setup
# image is deprecated). Every step is idempotent: `create` ignores an existing database,
# `setup-schema -v 0.0` keeps a newer recorded version, `update-schema` applies only missing versions.
# So it runs on every `docker compose up`, and also migrates the schema after a server upgrade.
set -eu

: "${POSTGRES_SEEDS:=postgresql}"
: "${DB_PORT:=5432}"
: "${POSTGRES_USER:=temporal}"
: "${DBNAME:=temporal}"
: "${VISIBILITY_DBNAME:=temporal_visibility}"
# temporal-sql-tool reads the password from SQL_PASSWORD.
export SQL_PASSWORD="${SQL_PASSWORD:-${POSTGRES_PWD:-}}"
: "${SCHEMA_ROOT:=/etc/temporal/schema/postgresql/v12}"

# The compose health check already waited for PostgreSQL; this covers its restart at the end of a
# first initialisation, and a database that was started some other way.
reachable() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$POSTGRES_SEEDS" -p "$DB_PORT" -U "$POSTGRES_USER"
  else
    nc -z -w 2 "$POSTGRES_SEEDS" "$DB_PORT"
  fi
}

echo "waiting for PostgreSQL at ${POSTGRES_SEEDS}:${DB_PORT} ..."
i=0
until reachable; do
  i=$((i + 1))
  if [ "$i" -ge 60 ]; then
    echo "PostgreSQL did not answer within 120 s" >&2
    exit 1
  fi
  sleep 2
done

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

setup() {
  db="$1"
  dir="$2"
  echo "schema of database ${db} (${dir}) ..."
  sql_tool --db "$db" create
  sql_tool --db "$db" setup-schema -v 0.0
  sql_tool --db "$db" update-schema -d "$dir"
}

setup "$DBNAME" "$SCHEMA_ROOT/temporal/versioned"
setup "$VISIBILITY_DBNAME" "$SCHEMA_ROOT/visibility/versioned"
echo "Temporal schema is up to date"
