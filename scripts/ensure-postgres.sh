#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers on 127.0.0.1:5432 and prints an
# administrator URL for the test suite (which creates and drops its own
# databases through it). Installs PostgreSQL with apt-get on a machine that
# lacks it, and starts it when it is down. Source nothing; read stdout.
set -euo pipefail

log() { echo "ensure-postgres: $*" >&2; }

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
  log "PostgreSQL is not installed; installing it with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

if ! ready; then
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
  for _ in $(seq 1 60); do ready && break; sleep 1; done
fi
ready || { log "PostgreSQL did not start on 127.0.0.1:5432"; exit 1; }

works() { psql "$1" -Atqc 'select 1' >/dev/null 2>&1; }

for url in \
  "postgres://postgres@127.0.0.1:5432/postgres" \
  "postgres://root@127.0.0.1:5432/test" \
  "postgres://postgres:reconnect-test@127.0.0.1:5432/postgres"; do
  if works "$url"; then echo "$url"; exit 0; fi
done

# A fresh install asks for passwords over TCP: give the postgres role one.
log "setting a password for the postgres role (fresh installation)"
runuser -u postgres -- psql -qc "ALTER ROLE postgres PASSWORD 'reconnect-test'" >&2
url="postgres://postgres:reconnect-test@127.0.0.1:5432/postgres"
works "$url" || { log "cannot connect to PostgreSQL as postgres"; exit 1; }
echo "$url"
