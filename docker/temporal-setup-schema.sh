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

sql_tool() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

# The compose health check already waited for PostgreSQL; retrying the first connection also
# covers the server's restart at the end of its first initialisation (and needs no nc/pg_isready).
create_database() {
  n=0
  until sql_tool --db "$1" create; do
    n=$((n + 1))
    if [ "$n" -ge 30 ]; then
      echo "cannot create database $1 on ${POSTGRES_SEEDS}:${DB_PORT}" >&2
      return 1
    fi
    echo "PostgreSQL not ready yet, retrying in 2 s ..."
    sleep 2
  done
}

setup() {
  db="$1"
  dir="$2"
  echo "schema of database ${db} (${dir}) ..."
  create_database "$db"
  sql_tool --db "$db" setup-schema -v 0.0
  sql_tool --db "$db" update-schema -d "$dir"
}

setup "$DBNAME" "$SCHEMA_ROOT/temporal/versioned"
setup "$VISIBILITY_DBNAME" "$SCHEMA_ROOT/visibility/versioned"
echo "Temporal schema is up to date"
