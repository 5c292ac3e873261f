#!/bin/sh
# The app's runtime role (SECURITY.md, "Two database roles"): it logs in, owns nothing, is no superuser.
# POSTGRES_USER (lbp) owns the database and the tables and is used by the `migrate` service only; the
# migrations grant lbp_app what it may do. The postgres image runs this once, on an empty data volume;
# on an existing volume run it by hand: docker compose exec postgres sh /docker-entrypoint-initdb.d/10-runtime-role.sh
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v app_password="$POSTGRES_APP_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE lbp_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS '
              'PASSWORD %L', :'app_password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lbp_app') \gexec
SQL
