# Sourced by scripts/test.sh and bench/load.sh: installs (apt-get, when missing) and starts private Redis and
# PostgreSQL servers on free loopback ports in a temporary directory; stop_services stops them and removes it.
# Also a Redis Cluster of three masters and three replicas (start_cluster), for the tests that run on one.
# Sets: services, redis_port, pg_port, pg_bin, cluster_ports (the six nodes, space-separated), cluster_addresses
# (host:port,host:port,...).

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
redis_port=""
pg_port=""
pg_started=""
services=""
cluster_ports=""
cluster_addresses=""

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
  for port in $cluster_ports; do
    redis-cli -h 127.0.0.1 -p "$port" shutdown nosave >/dev/null 2>&1 || true
  done
  [ -n "$redis_port" ] && redis-cli -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  [ -n "$pg_started" ] && su postgres -c "$pg_bin/pg_ctl -D $services/pg/data -m immediate stop" >/dev/null 2>&1 || true
  [ -n "$services" ] && rm -rf "$services"
  redis_port=""; pg_started=""; services=""; cluster_ports=""; cluster_addresses=""
}

# start_cluster (after start_services): six cluster nodes without persistence, joined as three masters with a
# replica each; a replica's first synchronisation starts at once (Redis waits 5 s for more replicas by default). A short cluster-node-timeout so that a replica takes over within seconds when its master stops (the
# failover test). Waits until every node reports cluster_state:ok and every replica has synchronised.
start_cluster() {
  local port node
  for node in 1 2 3 4 5 6; do
    # Each node also listens on its port + 10000 (the cluster bus).
    port=$(free_port)
    while (exec 3<>"/dev/tcp/127.0.0.1/$((port + 10000))") 2>/dev/null; do port=$(free_port); done
    mkdir -p "$services/cluster/$port"
    redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --dir "$services/cluster/$port" \
      --pidfile "$services/cluster/$port/redis.pid" --logfile "$services/cluster/$port/redis.log" \
      --save "" --appendonly no --repl-diskless-sync-delay 0 --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000
    cluster_ports="$cluster_ports $port"
    cluster_addresses="${cluster_addresses:+$cluster_addresses,}127.0.0.1:$port"
  done
  for port in $cluster_ports; do
    for _ in $(seq 1 100); do
      [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ] && break
      sleep 0.1
    done
  done
  # shellcheck disable=SC2086 # one argument per node
  redis-cli --cluster create $(for port in $cluster_ports; do echo "127.0.0.1:$port"; done) \
    --cluster-replicas 1 --cluster-yes >"$services/cluster/create.log" 2>&1 \
    || { echo "services: redis-cli --cluster create failed"; cat "$services/cluster/create.log"; return 1; }
  for port in $cluster_ports; do
    for _ in $(seq 1 200); do
      redis-cli -h 127.0.0.1 -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' && break
      sleep 0.1
    done
    redis-cli -h 127.0.0.1 -p "$port" cluster info | grep -q '^cluster_state:ok' \
      || { echo "services: redis cluster node $port is not ok"; return 1; }
  done
  # A replica acknowledges writes (WAIT) only once its first synchronisation is done.
  for port in $cluster_ports; do
    for _ in $(seq 1 200); do
      redis-cli -h 127.0.0.1 -p "$port" info replication | tr -d '\r' | grep -qE '^(role:master|master_link_status:up)$' && break
      sleep 0.1
    done
  done
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
