#!/bin/sh
# Run once by the postgres image when its data directory is new
# (/docker-entrypoint-initdb.d): the worker's least-privilege login role.
# Migration 003 gives the group role hrmos_sync_worker its row access and
# tolerates it existing already; `starter migrate` runs as the owner.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE hrmos_sync_worker NOLOGIN;
CREATE ROLE hrmos_sync LOGIN PASSWORD '${HRMOS_SYNC_DB_PASSWORD}' IN ROLE hrmos_sync_worker;
SQL
