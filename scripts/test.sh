#!/usr/bin/env bash
# The whole test suite, from a fresh Debian machine with the .NET 10 SDK: installs redis-server and PostgreSQL when
# missing (apt-get), starts private instances of both on free loopback ports in a temporary directory, restores,
# builds and runs every test project against them, and stops them again, whatever happens.
# TRX results land in artifacts/test-results (the CI script counts them).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/services.sh
trap stop_services EXIT

start_services off # the tests do not measure PostgreSQL's durability; fsync off keeps them quick
psql -h 127.0.0.1 -p "$pg_port" -U postgres -q -c "CREATE DATABASE openimauth_test" >/dev/null

export TEST_REDIS_ADDRESS="127.0.0.1:$redis_port"
export TEST_REDIS_SERVER="$(command -v redis-server)"
export TEST_POSTGRES_CONNECTION="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=openimauth_test"

results="$root/artifacts/test-results"
rm -rf "$results"
dotnet test OpenImAuth.slnx --results-directory "$results" --report-trx "$@"
