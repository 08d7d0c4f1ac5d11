# Sourced by scripts/test.sh and bench/load.sh: installs (apt-get, when missing) and starts private Redis and
# PostgreSQL servers on free loopback ports in a temporary directory; stop_services stops them and removes it.
# Sets: services, redis_port, pg_port, pg_bin.

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
redis_port=""
pg_port=""
pg_started=""
services=""

install_services() {
  if ! command -v redis-server >/dev/null || [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
    echo "services: installing redis-server and postgresql (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server postgresql >/dev/null
    pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
}

free_port() {
  # Below the kernel's ephemeral range: a port there may be some connection's local end, which bind() refuses.
  local port low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  while :; do
    port=$((10000 + RANDOM % (low - 10000)))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

stop_services() {
  [ -n "$redis_port" ] && redis-cli -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  [ -n "$pg_started" ] && su postgres -c "$pg_bin/pg_ctl -D $services/pg/data -m immediate stop" >/dev/null 2>&1 || true
  [ -n "$services" ] && rm -rf "$services"
  redis_port=""; pg_started=""; services=""
}

# start_services <postgres fsync: on|off>
start_services() {
  install_services
  services=$(mktemp -d /tmp/openimauth-services.XXXXXX)
  chmod 755 "$services"

  # Redis: no persistence; 128 databases so that test classes can each take their own, 63 for each of the two test
  # assemblies, which run at the same time (tests/Shared/TestServers.cs).
  redis_port=$(free_port)
  redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --dir "$services" \
    --pidfile "$services/redis.pid" --logfile "$services/redis.log" --save "" --appendonly no --databases 128
  for _ in $(seq 1 100); do
    [ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" = "PONG" ] && break
    sleep 0.1
  done
  [ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping)" = "PONG" ] || { echo "services: redis did not start"; cat "$services/redis.log"; return 1; }

  # PostgreSQL: a private cluster owned by the postgres user, trust auth on loopback, UTF-8 with Unicode case rules.
  pg_port=$(free_port)
  mkdir -p "$services/pg"
  chown postgres "$services/pg"
  su postgres -c "$pg_bin/initdb -D $services/pg/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
  su postgres -c "$pg_bin/pg_ctl -D $services/pg/data -l $services/pg/data/server.log -o '-p $pg_port -k $services/pg -c listen_addresses=127.0.0.1 -c fsync=${1:-on} -c max_connections=300' -w start" >/dev/null
  pg_started=1
}
