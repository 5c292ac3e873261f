#!/bin/sh
# Run once by the postgres:18 image when the primary's data folder is created (mounted into
# /docker-entrypoint-initdb.d by docker-compose.yml): lets the read replica stream from it.
# - pg_hba: the "all" database entry of the image does not cover replication connections.
# - A physical replication slot keeps the WAL the replica has not replayed yet (bounded by
#   max_slot_wal_keep_size on the primary's command line, so a replica left down cannot fill the disk).
set -eu
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "${PGDATA}/pg_hba.conf"
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER}" --dbname "${POSTGRES_DB}" \
  -c "SELECT pg_create_physical_replication_slot('reports_replica')"
