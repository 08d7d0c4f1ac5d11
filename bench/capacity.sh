#!/usr/bin/env bash
# Sourced by bench/load.sh: SCENARIOS=capacity, the measured costs behind docs/scaling.md and the check of its model
# against three instances on this machine.
#
# 1. Unit costs, one instance on Redis + PostgreSQL: for each route, per request, the server's CPU time, wrk's CPU
#    time, Redis commands and Redis CPU time, PostgreSQL transactions and PostgreSQL CPU time; then bytes per live
#    token in Redis and bytes per registered user in PostgreSQL.
# 2. Three instances, each held to CAPACITY_SHARE of a core by a cgroup CPU quota, share the one Redis and PostgreSQL;
#    three wrk processes drive them at once. The model's prediction from the unit costs alone is printed beside the
#    measured total, with the error.

CAPACITY_SHARE=${CAPACITY_SHARE:-0.4}   # of one core, per instance
CAPACITY_USERS=${CAPACITY_USERS:-100000}
CAPACITY_CONNECTIONS=${CAPACITY_CONNECTIONS:-10000} # gateway connections sending heartbeats
CAPACITY_HEARTBEAT_SECONDS=${CAPACITY_HEARTBEAT_SECONDS:-30}
# Pings are sent once a second here, ten times the JS SDK's rate, so that a heartbeat is measured at the rate a
# gateway of 100,000 connections serves (at a few hundred a second, waking the thread pool for each costs more than it).
CAPACITY_HEARTBEAT_MS=${CAPACITY_HEARTBEAT_MS:-1000}

redis_info() { redis-cli -h 127.0.0.1 -p "$redis_port" info "$1" | tr -d '\r'; }

# The counters of every process that serves a request, in one line:
# "<server ticks> <redis cpu µs> <redis commands> <postgres ticks> <postgres transactions>".
# PostgreSQL's are summed over its processes (the pool keeps its backends alive through a run).
capacity_counters() { # server pids…
  local server=0 pid
  for pid in "$@"; do server=$((server + $(cpu_ticks "$pid"))); done
  local redis_cpu redis_commands pg pg_xacts
  redis_cpu=$(redis_info cpu | awk -F: '/^used_cpu_(user|sys):/ {s += $2} END {printf "%.0f", s * 1000000}')
  redis_commands=$(redis_info stats | awk -F: '/^total_commands_processed:/ {print $2}')
  pg=$(for pid in $(pgrep -u postgres); do cat "/proc/$pid/stat" 2>/dev/null; done | awk '{t += $14 + $15} END {print t + 0}')
  pg_xacts=$("$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAc \
    "SELECT xact_commit FROM pg_stat_database WHERE datname = 'postgres'")
  echo "$server $redis_cpu $redis_commands $pg $pg_xacts"
}

# wrk under /usr/bin/time, so its own CPU time is known; prints "<requests> <wrk cpu µs>".
capacity_wrk() { # port, scenario, connections, threads, log
  /usr/bin/time -f '%U %S' -o "$5.time" wrk -t"$4" -c"$3" -d"${DURATION}s" -s "$work/$2.lua" "http://127.0.0.1:$1" >"$5"
  cat "$5" >>"$out/wrk-raw.txt"
  awk '/requests in/ {r = $1} END {printf "%d ", r}' "$5"
  awk '{printf "%.0f\n", ($1 + $2) * 1000000}' "$5.time"
}

# One row of unit costs per request; also leaves them in $work/cost-<scenario> for the three-instance prediction.
capacity_costs() { # label, port, pid, scenario
  local before after requests wrk_us
  DURATION=$WARMUP run_wrk "$2" "$4" "$CONNECTIONS" >/dev/null
  before=$(capacity_counters "$3")
  read -r requests wrk_us <<<"$(capacity_wrk "$2" "$4" "$CONNECTIONS" 2 "$work/capacity-$4.txt")"
  after=$(capacity_counters "$3")
  awk -v label="$1" -v b="$before" -v a="$after" -v n="$requests" -v w="$wrk_us" -v us="$tick_us" -v d="$DURATION" \
    -v cost="$work/cost-$4" 'BEGIN {
      split(b, x, " "); split(a, y, " ")
      server = (y[1] - x[1]) * us / n; redis = (y[2] - x[2]) / n; commands = (y[3] - x[3]) / n
      pg = (y[4] - x[4]) * us / n; queries = (y[5] - x[5] - 1) / n
      printf "| %s | %.0f | %.1f | %.1f | %.2f | %.1f | %.3f | %.1f |\n", label, n / d, server, w / n, commands, redis, queries, pg
      printf "%f %f %f %f\n", server, w / n, redis, pg > cost
    }' | tee -a "$out/table.md"
}

capacity_memory() { # port
  local before after pg_bytes users
  before=$(redis_info memory | awk -F: '/^used_memory:/ {print $2}')
  dotnet "$load_tool" issue-tokens "http://127.0.0.1:$1" $((CAPACITY_USERS + 2)) 50000 3 >/dev/null
  after=$(redis_info memory | awk -F: '/^used_memory:/ {print $2}')
  read -r pg_bytes users <<<"$("$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAF ' ' -c \
    "SELECT pg_total_relation_size('users'), (SELECT count(*) FROM users)")"
  printf '| Redis bytes per live token (50,000 tokens of users holding none) | %.0f |\n| PostgreSQL bytes per registered user (table and indexes, %d users) | %.0f |\n' \
    "$(awk -v a="$after" -v b="$before" 'BEGIN {print (a - b) / 50000}')" "$users" "$(awk -v p="$pg_bytes" -v u="$users" 'BEGIN {print p / u}')" |
    tee -a "$out/table.md"
}

# Three instances in CPU-quota cgroups, driven at once; the prediction is the least of: what the instances' quotas
# allow, what the rest of the machine's cores leave for wrk, Redis and PostgreSQL, and one Redis core.
capacity_three() { # scenario, pids (three, space-separated), ports…
  local scenario=$1 servers=$2 port i total=0 requests before after
  shift 2
  for port in "$@"; do DURATION=$WARMUP run_wrk "$port" "$scenario" $((CONNECTIONS / 3)) >/dev/null & done
  wait
  i=0
  # shellcheck disable=SC2086 # the pids are words
  before=$(capacity_counters $servers)
  for port in "$@"; do
    i=$((i + 1))
    capacity_wrk "$port" "$scenario" $((CONNECTIONS / 3)) 1 "$work/three-$scenario-$i.txt" >"$work/three-$scenario-$i.n" &
  done
  wait
  # shellcheck disable=SC2086
  after=$(capacity_counters $servers)
  for i in 1 2 3; do read -r requests _ <"$work/three-$scenario-$i.n"; total=$((total + requests)); done
  read -r server wrk_us redis pg <"$work/cost-$scenario"
  awk -v s="$server" -v w="$wrk_us" -v r="$redis" -v p="$pg" -v q="$CAPACITY_SHARE" -v cores="$(nproc)" -v n="$total" \
    -v d="$DURATION" -v label="$scenario" -v b="$before" -v a="$after" -v us="$tick_us" 'BEGIN {
      split(b, x, " "); split(a, y, " ")
      instances = 3 * q * 1e6 / s; rest = (cores - 3 * q) * 1e6 / (w + r + p); redis = r > 0 ? 1e6 / r : 1e12
      predicted = instances; bound = "instances"
      if (rest < predicted) { predicted = rest; bound = "wrk + Redis + PostgreSQL on the other cores" }
      if (redis < predicted) { predicted = redis; bound = "one Redis core" }
      measured = n / d
      printf "| `%s`, 3 instances × %.2f core | %.0f | %.0f | %s | %+.0f %% | %.1f | %.1f | %.1f |\n", label, q, measured, predicted, bound,
        (measured / predicted - 1) * 100, (y[1] - x[1]) * us / n, (y[2] - x[2]) / n, (y[4] - x[4]) * us / n
    }' | tee -a "$out/table.md"
}

scenario_capacity() {
  local port=$((27000 + RANDOM % 1000)) ws=$((29000 + RANDOM % 1000)) args=() pid token
  store_args redis data-capacity args
  ulimit -n "$(ulimit -Hn)"
  pid=$(start_server "$port" "${args[@]}" --longConnSvr.openImWsPort="$ws" --longConnSvr.websocketMaxConnNum=100000 \
    --longConnSvr.websocketTimeout=3600); pids+=("$pid")
  dotnet "$load_tool" seed-users "http://127.0.0.1:$port" 1 $((CAPACITY_USERS + 50001 + CAPACITY_CONNECTIONS)) >/dev/null
  token=$(dotnet "$load_tool" issue-tokens "http://127.0.0.1:$port" $((CAPACITY_USERS + 1)) 1 5)
  write_scripts "$CAPACITY_USERS" "$token"
  check_ok "$port" "$token"
  printf '\n| unit costs, one instance (Redis + PostgreSQL) | req/s | server CPU µs/req | wrk CPU µs/req | Redis commands/req | Redis CPU µs/req | PostgreSQL queries/req | PostgreSQL CPU µs/req |\n|---|---|---|---|---|---|---|---|\n' |
    tee -a "$out/table.md"
  for scenario in user_token parse_token get_users_info; do
    capacity_costs "$scenario" "$port" "$pid" "$scenario"
  done
  printf '\n| memory | bytes |\n|---|---|\n' | tee -a "$out/table.md"
  capacity_memory "$port"
  # Heartbeats: the users past the token-memory ones, each connected once and pinging every 10 s as the JS SDK does.
  echo "| gateway: $(dotnet "$load_tool" heartbeats "http://127.0.0.1:$port" "ws://127.0.0.1:$ws" "$pid" "127.0.0.1:$redis_port" \
    $((CAPACITY_USERS + 50002)) "$CAPACITY_CONNECTIONS" "$CAPACITY_HEARTBEAT_SECONDS" "$CAPACITY_HEARTBEAT_MS") |" | tee -a "$out/table.md"
  stop_pid "$pid"

  # The same store (Redis database, PostgreSQL users), now behind three instances held to a share of a core each.
  local cgroup=/sys/fs/cgroup/cpu/openimauth-bench-$$ ports=() quota
  quota=$(awk -v q="$CAPACITY_SHARE" 'BEGIN {printf "%d", q * 100000}')
  for i in 1 2 3; do
    mkdir -p "$cgroup/$i"
    echo 100000 >"$cgroup/$i/cpu.cfs_period_us"
    echo "$quota" >"$cgroup/$i/cpu.cfs_quota_us"
    ports+=($((28000 + i * 100 + RANDOM % 100)))
    pid=$(START_CGROUP="$cgroup/$i" start_server "${ports[-1]}" "${args[@]}"); pids+=("$pid")
  done
  printf '\n| three instances | measured req/s | model req/s | model bound | error | instances CPU µs/req | Redis CPU µs/req | PostgreSQL CPU µs/req |\n|---|---|---|---|---|---|---|---|\n' | tee -a "$out/table.md"
  for scenario in user_token parse_token get_users_info; do
    capacity_three "$scenario" "${pids[*]: -3}" "${ports[@]}"
  done
  for pid in "${pids[@]: -3}"; do stop_pid "$pid"; done
  for i in 1 2 3; do rmdir "$cgroup/$i"; done
  rmdir "$cgroup"
}
