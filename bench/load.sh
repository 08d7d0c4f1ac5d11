#!/usr/bin/env bash
# Load benchmark: OpenImAuth against a bare-Kestrel baseline on this machine, in one run, alternating the two, with
# wrk. Prints a markdown table (requests/s, p50/p99 latency, server CPU per request, server RSS, ratio to the
# baseline) and writes it with the raw wrk output to artifacts/bench/. See docs/benchmarks.md.
#   bench/load.sh                 # all scenarios
#   DURATION=5 ROUNDS=1 bench/load.sh
#   SCENARIOS=metrics bench/load.sh   # what /metrics costs parse_token (not in the default list)
#   SCENARIOS=audit bench/load.sh     # what the audit log costs user_token, on each store (not in the default list)
#   SCENARIOS=capacity bench/load.sh  # unit costs per route and the three-instance check of docs/scaling.md (not in the default list)
#   SCENARIOS=main STORES="redis cluster" bench/load.sh  # also on a Redis Cluster of six nodes (no floor: D18's WAIT is not in one)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/services.sh
source bench/wrk-scripts.sh # write_scripts
source bench/capacity.sh    # scenario_capacity

DURATION=${DURATION:-10}        # seconds per wrk run
ROUNDS=${ROUNDS:-2}             # baseline/OpenImAuth alternations per scenario
CONNECTIONS=${CONNECTIONS:-64}
USERS=${USERS:-100000}
WARMUP=${WARMUP:-5}             # seconds of unrecorded load per server and scenario (JIT tiering, pools)
SCENARIOS=${SCENARIOS:-"main gateway growth tokens curve"}
out="$root/artifacts/bench"
work=$(mktemp -d /tmp/openimauth-bench.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  stop_services
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"

command -v wrk >/dev/null || { apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
dotnet build -c Release src/OpenImAuth.Server -v q -nologo >/dev/null
dotnet build -c Release bench/OpenImAuth.Baseline -v q -nologo >/dev/null
dotnet build -c Release bench/OpenImAuth.LoadTool -v q -nologo >/dev/null
server_dll="$root/artifacts/bin/OpenImAuth.Server/release/OpenImAuth.Server.dll"
baseline_dll="$root/artifacts/bin/OpenImAuth.Baseline/release/OpenImAuth.Baseline.dll"
load_tool="$root/artifacts/bin/OpenImAuth.LoadTool/release/OpenImAuth.LoadTool.dll"

wait_http() { # port
  for _ in $(seq 1 300); do
    curl -s -o /dev/null -X POST "http://127.0.0.1:$1/auth/parse_token" -d '{}' && return 0
    sleep 0.1
  done
  echo "load.sh: nothing answers on port $1" >&2; return 1
}

start_server() { # port, args... ; prints the pid. With START_CGROUP set, it starts inside that cgroup, so that .NET
  # sizes its heaps and threads to the cgroup's CPU quota as it would in a container.
  if [ -n "${START_CGROUP:-}" ]; then
    bash -c 'echo $$ >"$0/cgroup.procs"; exec "$@"' "$START_CGROUP" \
      dotnet "$server_dll" --api.openImApiPort="$1" "${@:2}" >"$work/server-$1.log" 2>&1 &
  else
    dotnet "$server_dll" --api.openImApiPort="$1" "${@:2}" >"$work/server-$1.log" 2>&1 &
  fi
  local pid=$!
  wait_http "$1" >&2
  echo "$pid"
}

start_baseline() { # port, token length, [floor args…] ; prints the pid
  dotnet "$baseline_dll" "$@" >"$work/baseline-$1.log" 2>&1 &
  local pid=$!
  wait_http "$1" >&2
  echo "$pid"
}

stop_pid() { # the servers are not this shell's children (started in $(…)), so wait on /proc, not with wait
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 300); do [ -e "/proc/$1" ] || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}

rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system time, in clock ticks
tick_us=$((1000000 / $(getconf CLK_TCK)))

run_wrk() { # port, scenario, connections ; prints "rps p50 p99" (latencies in ms)
  local log="$work/wrk-$2-$1-$3.txt"
  wrk -t2 -c"$3" -d"${DURATION}s" --latency -s "$work/$2.lua" "http://127.0.0.1:$1" >"$log"
  cat "$log" >>"$out/wrk-raw.txt"
  local errors
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$log")
  [ -z "$errors" ] || echo "load.sh: $2 on $1: $errors" >&2
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    END { printf "%.0f %.2f %.2f\n", rps, p50, p99 }' "$log"
}

# measure <label> <server port> <server pid> <baseline port> <baseline pid> <scenario> [<floor port>]: alternates
# the baseline, the floor (when given) and OpenImAuth, and appends a row. The server's CPU time per request is its
# cost, whatever the machine's other processes (wrk, Redis, PostgreSQL) took meanwhile.
measure() {
  local ours=() base=() floor=() line ticks=0 t0
  DURATION=$WARMUP run_wrk "$4" "$6" "$CONNECTIONS" >/dev/null
  [ -z "${7:-}" ] || DURATION=$WARMUP run_wrk "$7" "$6" "$CONNECTIONS" >/dev/null
  DURATION=$WARMUP run_wrk "$2" "$6" "$CONNECTIONS" >/dev/null
  for _ in $(seq 1 "$ROUNDS"); do
    base+=("$(run_wrk "$4" "$6" "$CONNECTIONS")")
    [ -z "${7:-}" ] || floor+=("$(run_wrk "$7" "$6" "$CONNECTIONS")")
    t0=$(cpu_ticks "$3")
    ours+=("$(run_wrk "$2" "$6" "$CONNECTIONS")")
    ticks=$((ticks + $(cpu_ticks "$3") - t0))
  done
  line=$(printf '%s\n' "${ours[@]}" | awk '{r += $1; p += $2; q += $3} END {printf "%.0f %.2f %.2f", r / NR, p / NR, q / NR}')
  local b f="" to_floor=""
  b=$(printf '%s\n' "${base[@]}" | awk '{r += $1} END {printf "%.0f", r / NR}')
  read -r rps p50 p99 <<<"$line"
  local cpu_us
  cpu_us=$(awk -v t="$ticks" -v us="$tick_us" -v r="$rps" -v n="$ROUNDS" -v d="$DURATION" 'BEGIN {printf "%.0f", t * us / (r * n * d)}')
  if [ -n "${7:-}" ]; then
    f=$(printf '%s\n' "${floor[@]}" | awk '{r += $1} END {printf "%.0f", r / NR}')
    to_floor=$(awk -v a="$rps" -v b="$f" 'BEGIN {printf "%.2f", a / b}')
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %.2f | %s | %s |\n' "$1" "$rps" "$p50" "$p99" "$cpu_us" "$(rss_mb "$3")" "$b" \
    "$(rss_mb "$5")" "$(awk -v a="$rps" -v b="$b" 'BEGIN {print a / b}')" "${f:-–}" "${to_floor:-–}" | tee -a "$out/table.md"
}

header() {
  printf '\n| scenario | req/s | p50 ms | p99 ms | server CPU µs/req | RSS MB | baseline req/s | baseline RSS MB | ratio | floor req/s | ratio to floor |\n|---|---|---|---|---|---|---|---|---|---|---|\n' |
    tee -a "$out/table.md"
}

check_ok() { # port, token: every scenario's request must succeed, or the numbers would measure errors
  local answers
  answers=$(curl -s -H 'operationID: 1' -d '{"secret":"openIM123","platformID":1,"userID":"u1"}' "http://127.0.0.1:$1/auth/user_token"
    curl -s -H 'operationID: 1' -d "{\"token\":\"$2\"}" "http://127.0.0.1:$1/auth/parse_token"
    curl -s -H 'operationID: 1' -H "token: $2" -d '{"userIDs":["u2"]}' "http://127.0.0.1:$1/user/get_users_info")
  if [ "$(grep -o '"errCode":0,' <<<"$answers" | wc -l)" -ne 3 ]; then
    echo "load.sh: a scenario request fails: $answers" >&2; return 1
  fi
}

token_length() { # port: the length of a real token, so the baseline answers as many bytes
  curl -s -H 'operationID: 1' -d '{"secret":"openIM123","platformID":1,"userID":"u1"}' "http://127.0.0.1:$1/auth/user_token" |
    sed 's/.*"token":"\([^"]*\)".*/\1/' | tr -d '\n' | wc -c
}

# Beside bare Kestrel, each scenario with a guarantee that needs a wait is also measured against its floor: the
# baseline that, before answering, waits only for what the guarantee needs (bench/OpenImAuth.Baseline/Floors.cs).
# The server's arguments for a store, into the array named by $3: its own directory on the embedded store; on Redis,
# database 1 and PostgreSQL's users, both emptied first, so that scenarios run one after another start alike.
store_args() { # store, data dir name, array name
  local -n into=$3
  local node i=0
  if [ "$1" = cluster ]; then # database 0 of every master (a cluster has no other), emptied the same way
    for node in $cluster_ports; do
      redis-cli -h 127.0.0.1 -p "$node" info replication | grep -q '^role:master' || continue
      redis-cli -h 127.0.0.1 -p "$node" flushall >/dev/null
    done
    "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qc "TRUNCATE users" >/dev/null 2>&1 || true
    into=(--storage.kind=redis --redis.clusterMode=true)
    for node in $cluster_ports; do into+=(--redis.address.$i="127.0.0.1:$node"); i=$((i + 1)); done
    into+=(--postgres.connectionString="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Maximum Pool Size=64")
  elif [ "$1" = redis ]; then
    redis-cli -h 127.0.0.1 -p "$redis_port" -n 1 flushdb >/dev/null
    "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qc "TRUNCATE users" >/dev/null 2>&1 || true
    into=(--storage.kind=redis --redis.address="127.0.0.1:$redis_port" --redis.db=1
          --postgres.connectionString="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Maximum Pool Size=64")
  else
    into=(--storage.dataDir="$work/$2")
  fi
}

scenario_main() { # store
  local port=$((12000 + RANDOM % 1000)) bport=$((13000 + RANDOM % 1000)) args=() pid bpid token length
  local -A floor_of=() floor_pids=()
  store_args "$1" data-main args
  if [ "$1" = redis ]; then
    floor_of=([user_token]="redis-write 127.0.0.1:$redis_port,defaultDatabase=2"
              [parse_token]="redis-read 127.0.0.1:$redis_port,defaultDatabase=2")
  elif [ "$1" = sqlite ]; then
    mkdir -p "$work/floor"
    floor_of=([user_token]="durable $work/floor")
  fi
  pid=$(start_server "$port" "${args[@]}"); pids+=("$pid")
  # One user more than the scenarios pick from: its token, used by parse_token and get_users_info, is never kicked.
  dotnet "$load_tool" seed-users "http://127.0.0.1:$port" 1 $((USERS + 1)) >/dev/null
  token=$(dotnet "$load_tool" issue-tokens "http://127.0.0.1:$port" $((USERS + 1)) 1 5)
  write_scripts "$USERS" "$token"
  check_ok "$port" "$token"
  length=$(token_length "$port")
  bpid=$(start_baseline "$bport" "$length"); pids+=("$bpid")
  header
  for scenario in user_token parse_token get_users_info; do
    local floor_port=""
    if [ -n "${floor_of[$scenario]:-}" ]; then
      floor_port=$(free_port)
      # shellcheck disable=SC2086 # the floor's arguments are words
      floor_pids[$scenario]=$(start_baseline "$floor_port" "$length" ${floor_of[$scenario]}); pids+=("${floor_pids[$scenario]}")
    fi
    measure "$1 $scenario ($USERS users)" "$port" "$pid" "$bport" "$bpid" "$scenario" $floor_port
    [ -z "$floor_port" ] || stop_pid "${floor_pids[$scenario]}"
  done
  stop_pid "$pid"; stop_pid "$bpid"
}

# Cost growth: user_token and parse_token at 1k and at 1M registered users, and at 10k and 1M live tokens.
scenario_growth() {
  local port=$((17000 + RANDOM % 1000)) bport=$((18000 + RANDOM % 1000)) pid bpid token big=${GROWTH_USERS:-1000000}
  pid=$(start_server "$port" --storage.dataDir="$work/data-growth"); pids+=("$pid")
  bpid=$(start_baseline "$bport" 200); pids+=("$bpid")
  dotnet "$load_tool" seed-users "http://127.0.0.1:$port" 1 1000 >/dev/null
  dotnet "$load_tool" seed-users "http://127.0.0.1:$port" $((big + 1)) 1 >/dev/null
  token=$(dotnet "$load_tool" issue-tokens "http://127.0.0.1:$port" $((big + 1)) 1 5)
  header
  write_scripts 1000 "$token"
  measure "growth user_token, 1k users" "$port" "$pid" "$bport" "$bpid" user_token
  measure "growth parse_token, 1k users" "$port" "$pid" "$bport" "$bpid" parse_token
  dotnet "$load_tool" seed-users "http://127.0.0.1:$port" 1001 $((big - 1000)) >/dev/null
  write_scripts "$big" "$token"
  measure "growth user_token, $big users" "$port" "$pid" "$bport" "$bpid" user_token
  measure "growth parse_token, $big users" "$port" "$pid" "$bport" "$bpid" parse_token
  stop_pid "$pid"; stop_pid "$bpid"
}

# Cost growth with live tokens: 10k, then 1M, on a fresh store with 1M users (no token issued by other scenarios).
scenario_tokens() {
  local port=$((21000 + RANDOM % 1000)) bport=$((22000 + RANDOM % 1000)) pid bpid token big=${GROWTH_USERS:-1000000}
  pid=$(start_server "$port" --storage.dataDir="$work/data-tokens"); pids+=("$pid")
  bpid=$(start_baseline "$bport" 200); pids+=("$bpid")
  dotnet "$load_tool" seed-users "http://127.0.0.1:$port" 1 $((big + 1)) >/dev/null
  token=$(dotnet "$load_tool" issue-tokens "http://127.0.0.1:$port" $((big + 1)) 1 5)
  dotnet "$load_tool" issue-tokens "http://127.0.0.1:$port" 1 9999 7 >/dev/null
  write_scripts 10000 "$token"
  header
  echo "| live tokens before: $(tokens_in "$work/data-tokens") |" | tee -a "$out/table.md"
  measure "tokens parse_token, 10k live tokens" "$port" "$pid" "$bport" "$bpid" parse_token
  measure "tokens user_token, 10k live tokens" "$port" "$pid" "$bport" "$bpid" user_token
  dotnet "$load_tool" issue-tokens "http://127.0.0.1:$port" 10000 $((big - 9999)) 7 >/dev/null
  echo "| live tokens before: $(tokens_in "$work/data-tokens") |" | tee -a "$out/table.md"
  measure "tokens parse_token, 1M live tokens" "$port" "$pid" "$bport" "$bpid" parse_token
  measure "tokens user_token, 1M live tokens" "$port" "$pid" "$bport" "$bpid" user_token
  stop_pid "$pid"; stop_pid "$bpid"
}

# The cost of metrics: parse_token on the embedded store, served by the same build with the same data, with /metrics
# on (scraped every second meanwhile, so that the export is counted too) and with --prometheus.enable=false,
# alternating, off first; requests/s and each server's CPU time per request.
scenario_metrics() {
  local on=$((23000 + RANDOM % 1000)) off=$((24000 + RANDOM % 1000)) pid opid token scraper t0 r rps_on=() rps_off=()
  local ticks_on=0 ticks_off=0 port
  pid=$(start_server "$on" --storage.dataDir="$work/data-metrics")
  token=$(curl -s -H 'operationID: 1' -d '{"secret":"openIM123","platformID":1,"userID":"imAdmin"}' "http://127.0.0.1:$on/auth/user_token" |
    sed 's/.*"token":"\([^"]*\)".*/\1/')
  stop_pid "$pid"
  cp -r "$work/data-metrics" "$work/data-metrics-off" # the token is stored in both
  pid=$(start_server "$on" --storage.dataDir="$work/data-metrics"); pids+=("$pid")
  opid=$(start_server "$off" --storage.dataDir="$work/data-metrics-off" --prometheus.enable=false); pids+=("$opid")
  write_scripts 1 "$token"
  for port in "$on" "$off"; do
    curl -s -H 'operationID: 1' -d "{\"token\":\"$token\"}" "http://127.0.0.1:$port/auth/parse_token" | grep -q '"errCode":0,' ||
      { echo "load.sh: parse_token fails on $port" >&2; return 1; }
  done
  (while :; do curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$on/metrics" >>"$work/scrapes"; sleep 1; done) &
  scraper=$!; pids+=("$scraper")
  DURATION=$WARMUP run_wrk "$off" parse_token "$CONNECTIONS" >/dev/null
  DURATION=$WARMUP run_wrk "$on" parse_token "$CONNECTIONS" >/dev/null
  for _ in $(seq 1 "$ROUNDS"); do
    t0=$(cpu_ticks "$opid"); r=$(run_wrk "$off" parse_token "$CONNECTIONS"); ticks_off=$((ticks_off + $(cpu_ticks "$opid") - t0))
    rps_off+=("${r%% *}")
    t0=$(cpu_ticks "$pid"); r=$(run_wrk "$on" parse_token "$CONNECTIONS"); ticks_on=$((ticks_on + $(cpu_ticks "$pid") - t0))
    rps_on+=("${r%% *}")
  done
  kill "$scraper" 2>/dev/null || true
  printf '\n| scenario | metrics on req/s | metrics off req/s | ratio | on CPU µs/req | off CPU µs/req | scrapes answered |\n|---|---|---|---|---|---|---|\n' |
    tee -a "$out/table.md"
  awk -v on="${rps_on[*]}" -v off="${rps_off[*]}" -v ton="$ticks_on" -v toff="$ticks_off" -v us="$tick_us" -v d="$DURATION" \
    -v scrapes="$(grep -c '^200$' "$work/scrapes")" 'BEGIN {
      n = split(on, a, " "); split(off, b, " ")
      for (i = 1; i <= n; i++) { ra += a[i]; rb += b[i] }
      printf "| embedded `parse_token`, /metrics on vs off | %.0f | %.0f | %.3f | %.1f | %.1f | %d |\n",
        ra / n, rb / n, ra / rb, ton * us / (ra * d), toff * us / (rb * d), scrapes
    }' | tee -a "$out/table.md"
  stop_pid "$pid"; stop_pid "$opid"
}

# The cost of the audit log: user_token on each store, served by the same build with the same users, with
# --audit.enable=true and false, alternating, off first; requests/s and each server's CPU time per request. On Redis
# the two servers use databases 1 and 3 of the one Redis, and share PostgreSQL's users (and audit_log, which only
# the server with auditing on writes).
scenario_audit() {
  local store
  printf '\n| scenario | audit on req/s | audit off req/s | ratio | on CPU µs/req | off CPU µs/req | entries written |\n|---|---|---|---|---|---|---|\n' |
    tee -a "$out/table.md"
  for store in ${STORES:-sqlite redis}; do audit_on_off "$store"; done
}

audit_on_off() { # store
  local on=$((25000 + RANDOM % 1000)) off=$((26000 + RANDOM % 1000)) pid opid t0 r rps_on=() rps_off=() ticks_on=0 ticks_off=0
  local args=() oargs=() admin entries
  store_args "$1" data-audit-on args
  store_args "$1" data-audit-off oargs
  if [ "$1" = redis ]; then
    redis-cli -h 127.0.0.1 -p "$redis_port" -n 3 flushdb >/dev/null
    oargs=("${oargs[@]/--redis.db=1/--redis.db=3}")
    "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -qc "DROP TABLE IF EXISTS audit_log" >/dev/null 2>&1 || true
  fi
  pid=$(start_server "$on" "${args[@]}" --audit.enable=true); pids+=("$pid")
  opid=$(start_server "$off" "${oargs[@]}" --audit.enable=false); pids+=("$opid")
  dotnet "$load_tool" seed-users "http://127.0.0.1:$on" 1 "$USERS" >/dev/null
  [ "$1" = redis ] || dotnet "$load_tool" seed-users "http://127.0.0.1:$off" 1 "$USERS" >/dev/null
  write_scripts "$USERS" unused
  DURATION=$WARMUP run_wrk "$off" user_token "$CONNECTIONS" >/dev/null
  DURATION=$WARMUP run_wrk "$on" user_token "$CONNECTIONS" >/dev/null
  for _ in $(seq 1 "$ROUNDS"); do
    t0=$(cpu_ticks "$opid"); r=$(run_wrk "$off" user_token "$CONNECTIONS"); ticks_off=$((ticks_off + $(cpu_ticks "$opid") - t0))
    rps_off+=("${r%% *}")
    t0=$(cpu_ticks "$pid"); r=$(run_wrk "$on" user_token "$CONNECTIONS"); ticks_on=$((ticks_on + $(cpu_ticks "$pid") - t0))
    rps_on+=("${r%% *}")
  done
  admin=$(curl -s -H 'operationID: 1' -d '{"secret":"openIM123","userID":"imAdmin"}' "http://127.0.0.1:$on/auth/get_admin_token" |
    sed 's/.*"token":"\([^"]*\)".*/\1/')
  entries=$(curl -s -H 'operationID: 1' -H "token: $admin" -d '{"action":"user_token","pagination":{"pageNumber":1,"showNumber":1}}' \
    "http://127.0.0.1:$on/audit/search" | sed 's/.*"total":\([0-9]*\).*/\1/')
  awk -v store="$1" -v on="${rps_on[*]}" -v off="${rps_off[*]}" -v ton="$ticks_on" -v toff="$ticks_off" -v us="$tick_us" \
    -v d="$DURATION" -v entries="$entries" 'BEGIN {
      n = split(on, a, " "); split(off, b, " ")
      for (i = 1; i <= n; i++) { ra += a[i]; rb += b[i] }
      printf "| %s `user_token`, audit on vs off | %.0f | %.0f | %.3f | %.1f | %.1f | %s |\n",
        store, ra / n, rb / n, ra / rb, ton * us / (ra * d), toff * us / (rb * d), entries
    }' | tee -a "$out/table.md"
  stop_pid "$pid"; stop_pid "$opid"
}

tokens_in() { # data dir: normal tokens in the token log, by each token's last row (sqlite3 reads the WAL too)
  command -v sqlite3 >/dev/null || { apt-get install -y -qq sqlite3 >/dev/null 2>&1 || true; }
  # With max(), SQLite takes the bare column status from the row that has the maximum seq.
  sqlite3 "file:$1/openimauth.db?mode=ro" \
    "SELECT COUNT(*) FROM (SELECT status, MAX(seq) FROM token_log GROUP BY token) WHERE status = 0" 2>/dev/null || echo "?"
}

# Throughput against concurrent connections on one store, for the plot in docs/benchmarks.md.
scenario_curve() { # store
  local port=$((19000 + RANDOM % 1000)) bport=$((20000 + RANDOM % 1000)) args=() pid bpid token
  store_args "$1" data-curve args
  pid=$(start_server "$port" "${args[@]}"); pids+=("$pid")
  bpid=$(start_baseline "$bport" 200); pids+=("$bpid")
  dotnet "$load_tool" seed-users "http://127.0.0.1:$port" 1 $((USERS + 1)) >/dev/null
  token=$(dotnet "$load_tool" issue-tokens "http://127.0.0.1:$port" $((USERS + 1)) 1 5)
  write_scripts "$USERS" "$token"
  echo "connections baseline user_token parse_token get_users_info" >"$out/curve-$1.dat"
  for c in 2 8 32 64 128 256; do
    local row="$c $(run_wrk "$bport" parse_token "$c" | cut -d' ' -f1)"
    for scenario in user_token parse_token get_users_info; do
      DURATION=$WARMUP run_wrk "$port" "$scenario" "$c" >/dev/null
      row="$row $(run_wrk "$port" "$scenario" "$c" | cut -d' ' -f1)"
    done
    echo "$1 $row" | tee -a "$out/table.md"
    echo "$row" >>"$out/curve-$1.dat"
  done
  stop_pid "$pid"; stop_pid "$bpid"
}

# One panel per store measured, side by side, each with the baseline measured beside it.
plot_curves() {
  local stores=() store
  for store in sqlite redis; do [ -f "$out/curve-$store.dat" ] && stores+=("$store"); done
  [ ${#stores[@]} -gt 0 ] || return 0
  command -v gnuplot >/dev/null || apt-get install -y -qq gnuplot-nox >/dev/null 2>&1 || return 0
  {
    echo "set terminal pngcairo size $((560 * ${#stores[@]})),540 noenhanced"
    echo "set output \"$out/throughput.png\""
    echo "set multiplot layout 1,${#stores[@]}"
    echo "set xlabel 'concurrent connections'; set ylabel 'requests/s'; set logscale x 2; set key top left; set grid"
    for store in "${stores[@]}"; do
      local name=embedded; [ "$store" = redis ] && name="Redis + PostgreSQL"
      echo "set title '$name (wrk -t2, $(nproc) cores)'"
      echo "plot for [i=2:5] '$out/curve-$store.dat' using 1:i with linespoints title columnheader(i)"
    done
    echo "unset multiplot"
  } | gnuplot
}

# 20k idle gateway connections (memory per connection) and revocation → kick frame latency under that load
# (force_logout, revoke_tokens and revoke_session, KICKS of each).
scenario_gateway() {
  local port=$((14000 + RANDOM % 1000)) ws=$((15000 + RANDOM % 1000)) pid result
  # Each side needs one descriptor per connection plus its own; where the hard limit is lower than 20k plus
  # headroom (it is 20000 on the CI machines here, and root may not raise it), take as many as it allows.
  ulimit -n "$(ulimit -Hn)"
  local hard count
  hard=$(ulimit -Hn)
  count=${GATEWAY_CONNECTIONS:-20000}
  [ "$hard" = unlimited ] || [ "$count" -le $((hard - 500)) ] || count=$((hard - 500))
  pid=$(start_server "$port" --storage.dataDir="$work/data-gateway" --longConnSvr.openImWsPort="$ws" \
    --longConnSvr.websocketTimeout=3600 --longConnSvr.websocketMaxConnNum=100000); pids+=("$pid")
  dotnet "$load_tool" seed-users "http://127.0.0.1:$port" 1 "$count" >/dev/null
  result=$(dotnet "$load_tool" gateway "http://127.0.0.1:$port" "ws://127.0.0.1:$ws" "$pid" 1 "$count" "${KICKS:-200}")
  echo "gateway: $result" | tee -a "$out/table.md"
  stop_pid "$pid"
  # The floor: bare Kestrel holding as many idle WebSockets.
  local bport=$((16000 + RANDOM % 1000)) bpid
  bpid=$(start_baseline "$bport" 200); pids+=("$bpid")
  result=$(dotnet "$load_tool" idle "ws://127.0.0.1:$bport/ws" "$bpid" "$count")
  echo "baseline websockets: $result" | tee -a "$out/table.md"
  stop_pid "$bpid"
  # Below Kestrel: raw sockets and .NET's WebSocket, the platform's own floor for an idle connection.
  bport=$((16000 + RANDOM % 1000))
  dotnet "$baseline_dll" raw-ws "$bport" >"$work/raw-ws.log" 2>&1 &
  bpid=$!; pids+=("$bpid")
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$bport") 2>/dev/null && break; sleep 0.1; done
  result=$(dotnet "$load_tool" idle "ws://127.0.0.1:$bport/ws" "$bpid" "$count")
  echo "raw socket websockets: $result" | tee -a "$out/table.md"
  stop_pid "$bpid"
}

{
  echo "# load.sh $(date -u +%FT%TZ) on $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "wrk -t2 -c$CONNECTIONS, ${DURATION}s per run, $ROUNDS alternations per scenario"
} | tee "$out/table.md"
: >"$out/wrk-raw.txt"

start_services on
# The Redis Cluster store (STORES=cluster, not in the default list): three masters and three replicas on this machine.
[[ " ${STORES:-} " != *" cluster "* ]] || start_cluster
for s in $SCENARIOS; do
  case "$s" in
    main) for store in ${STORES:-sqlite redis}; do scenario_main "$store"; done ;;
    curve) for store in ${STORES:-sqlite redis}; do scenario_curve "$store"; done; plot_curves ;;
    *) [ "$(type -t "scenario_$s")" = function ] && "scenario_$s" ;;
  esac
done
