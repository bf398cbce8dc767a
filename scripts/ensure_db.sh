#!/usr/bin/env bash
# Makes sure a PostGIS database is reachable and writes its URL to .run/database_url.
# Uses the server at 127.0.0.1:5432 when one answers (trust auth on these machines);
# otherwise starts a private cluster under .pgdata/ listening on 127.0.0.1:55432.
set -euo pipefail
cd "$(dirname "$0")/.."
DB_NAME="${GIS_DB_NAME:-gridgis}"
mkdir -p .run
if [ -n "${DATABASE_URL:-}" ]; then
  echo "$DATABASE_URL" > .run/database_url
  exit 0
fi
HOST=127.0.0.1
SHARED_PORT="${GIS_SHARED_PG_PORT:-5432}"  # the machine's own server, when one answers
if pg_isready -q -h $HOST -p "$SHARED_PORT"; then
  PORT=$SHARED_PORT; USER_=postgres
else
  PORT=55432; USER_="$(id -un)"
  BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  RUNAS=()
  if [ "$(id -u)" -eq 0 ]; then
    id -u gridgis >/dev/null 2>&1 || useradd --system --home-dir "$PWD/.pgdata" gridgis
    RUNAS=(runuser -u gridgis --); USER_=gridgis
  fi
  if [ ! -f .pgdata/PG_VERSION ]; then
    mkdir -p .pgdata && [ "$(id -u)" -eq 0 ] && chown gridgis .pgdata
    "${RUNAS[@]}" "$BIN/initdb" -D .pgdata -A trust -U "$USER_" -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if ! pg_isready -q -h $HOST -p $PORT; then
    mkdir -p .run/sock && [ "$(id -u)" -eq 0 ] && chown gridgis .run/sock
    "${RUNAS[@]}" "$BIN/pg_ctl" -D .pgdata -l .pgdata/server.log -w \
      -o "-h $HOST -p $PORT -k $PWD/.run/sock" start >/dev/null
  fi
fi
if ! psql -h $HOST -p $PORT -U "$USER_" -d postgres -tAc "select 1 from pg_database where datname='$DB_NAME'" | grep -q 1; then
  createdb -h $HOST -p $PORT -U "$USER_" "$DB_NAME"
fi
PGOPTIONS="--client-min-messages=warning" psql -q -h $HOST -p $PORT -U "$USER_" -d "$DB_NAME" -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
echo "postgis://$USER_@$HOST:$PORT/$DB_NAME" > .run/database_url
