#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine with the .NET 10 SDK: installs redis-server and PostgreSQL when
# missing (apt-get), starts private instances of both on free loopback ports in a temporary directory, restores,
# builds and runs every test project against them, and stops them again, whatever happens.
# TRX results land in artifacts/test-results (the CI script counts them).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if ! command -v redis-server >/dev/null || [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "test.sh: installing redis-server and postgresql (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server postgresql >/dev/null
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

services=$(mktemp -d /tmp/openimauth-services.XXXXXX)
chmod 755 "$services"
redis_port=""
pg_started=""
stop_services() {
  [ -n "$redis_port" ] && redis-cli -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  [ -n "$pg_started" ] && su postgres -c "$pg_bin/pg_ctl -D $services/pg/data -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$services"
}
trap stop_services EXIT

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# Redis: no persistence needed for the shared instance; 64 databases so test classes can each take their own.
redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --dir "$services" \
  --pidfile "$services/redis.pid" --logfile "$services/redis.log" --save "" --appendonly no --databases 64
for _ in $(seq 1 100); do
  [ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" = "PONG" ] && break
  sleep 0.1
done
[ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping)" = "PONG" ] || { echo "test.sh: redis did not start"; cat "$services/redis.log"; exit 1; }

# PostgreSQL: a private cluster owned by the postgres user, trust auth on loopback, UTF-8 with Unicode case rules.
pg_port=$(free_port)
mkdir -p "$services/pg"
chown postgres "$services/pg"
su postgres -c "$pg_bin/initdb -D $services/pg/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
su postgres -c "$pg_bin/pg_ctl -D $services/pg/data -l $services/pg/data/server.log -o '-p $pg_port -k $services/pg -c listen_addresses=127.0.0.1 -c fsync=off' -w start" >/dev/null
pg_started=1
psql -h 127.0.0.1 -p "$pg_port" -U postgres -q -c "CREATE DATABASE openimauth_test" >/dev/null

export TEST_REDIS_ADDRESS="127.0.0.1:$redis_port"
export TEST_REDIS_SERVER="$(command -v redis-server)"
export TEST_POSTGRES_CONNECTION="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=openimauth_test"

results="$root/artifacts/test-results"
rm -rf "$results"
dotnet test OpenImAuth.slnx --results-directory "$results" --report-trx "$@"
