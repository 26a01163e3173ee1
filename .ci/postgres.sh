#!/usr/bin/env bash
# Install PostgreSQL from Debian's packages if needed, start a cluster on 127.0.0.1:5432, and create the
# role and database the tests use. Prints the URL for HIRING_TEST_POSTGRES_URL on its last line.
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
  pg_createcluster "$version" main >/dev/null
fi
if ! pg_lsclusters -h | grep -q "^$version main .* online"; then
  pg_ctlcluster "$version" main start -o "-c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
fi
for _ in $(seq 1 60); do
  su postgres -c "psql -tAc 'select 1'" >/dev/null 2>&1 && break
  sleep 0.5
done
su postgres -c "psql -v ON_ERROR_STOP=1 -q" <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hiring') THEN
    CREATE ROLE hiring LOGIN SUPERUSER PASSWORD 'hiring';
  END IF;
END $$;
SQL
su postgres -c "psql -tAc \"select 1 from pg_database where datname='hiring_test'\"" | grep -q 1 \
  || su postgres -c "createdb -O hiring hiring_test"
echo "postgresql+psycopg://hiring:hiring@127.0.0.1:5432/hiring_test"
