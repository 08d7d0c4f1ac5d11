#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine with the .NET 10 SDK and Node 20+: installs redis-server and
# PostgreSQL when missing (apt-get) and starts private instances of both (and a Redis Cluster of six nodes) on free
# loopback ports in a temporary directory; installs the JS SDK that the end-to-end tests drive (tests/js, exactly as locked); restores, builds and
# runs every test project; and stops the servers again, whatever happens.
# TRX results land in artifacts/test-results (the CI script counts them).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/services.sh
trap stop_services EXIT

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "scripts/test.sh: node and npm are needed for the SDK tests (apt-get install nodejs npm)" >&2
  exit 1
fi
# npm ci only when tests/js/node_modules is missing or differs from the lock (npm keeps its own record of what it
# installed in node_modules/.package-lock.json), so that a rerun needs no registry.
if ! node -e '
  const fs = require("fs");
  const read = (file) => Object.entries(JSON.parse(fs.readFileSync(file)).packages)
    .filter(([path]) => path !== "").map(([path, p]) => `${path}@${p.version}:${p.integrity}`).sort().join("\n");
  process.exit(read("tests/js/package-lock.json") === read("tests/js/node_modules/.package-lock.json") ? 0 : 1);
' 2>/dev/null; then
  if ! npm ci --prefix tests/js --no-audit --no-fund; then
    echo "scripts/test.sh: npm ci in tests/js failed; the SDK tests cannot run" >&2
    exit 1
  fi
fi

# The console tests drive Debian's Chromium through Playwright, which downloads no browser of its own.
install_chromium() {
  if ! command -v chromium >/dev/null; then
    echo "scripts/test.sh: installing chromium (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  export TEST_CHROMIUM="$(command -v chromium)"
}
install_chromium

start_services off # the tests do not measure PostgreSQL's durability; fsync off keeps them quick
start_cluster
psql -h 127.0.0.1 -p "$pg_port" -U postgres -q -c "CREATE DATABASE openimauth_test" >/dev/null

export TEST_REDIS_ADDRESS="127.0.0.1:$redis_port"
export TEST_REDIS_CLUSTER="$cluster_addresses"
export TEST_REDIS_SERVER="$(command -v redis-server)"
export TEST_POSTGRES_CONNECTION="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=openimauth_test"

results="$root/artifacts/test-results"
rm -rf "$results"
dotnet test OpenImAuth.slnx --results-directory "$results" --report-trx "$@"
